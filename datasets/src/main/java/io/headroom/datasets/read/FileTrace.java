package io.headroom.datasets.read;

import io.headroom.datasets.trace.Trace;

import java.nio.file.Path;

/** Shared parts of every trace read from a recorded file: its path, its name (the file name unless given). */
abstract class FileTrace implements Trace {
    final Path path;
    private final String name;

    FileTrace(Path path, String name) {
        this.path = path;
        this.name = name != null ? name : path.getFileName().toString();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean synthetic() {
        return false;
    }
}
