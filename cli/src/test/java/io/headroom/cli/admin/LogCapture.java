package io.headroom.cli.admin;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Everything logged through java.util.logging (every level) while it is open, formatted as the console would. */
final class LogCapture extends Handler implements AutoCloseable {
    private final StringBuffer text = new StringBuffer();
    private final Logger root = Logger.getLogger("");
    private final Logger headroom = Logger.getLogger("io.headroom");
    private final Level previous = headroom.getLevel();

    private LogCapture() {
        setFormatter(new SimpleFormatter());
        setLevel(Level.ALL);
    }

    static LogCapture start() {
        LogCapture c = new LogCapture();
        c.headroom.setLevel(Level.ALL);
        c.root.addHandler(c);
        return c;
    }

    String text() {
        return text.toString();
    }

    @Override
    public void publish(LogRecord r) {
        text.append(getFormatter().format(r));
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.removeHandler(this);
        headroom.setLevel(previous);
    }
}
