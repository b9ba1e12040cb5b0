package io.headroom.router.grpc;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.util.JsonFormat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The services and messages of a {@code FileDescriptorSet} file, as {@code protoc --include_imports
 * --descriptor_set_out=FILE} writes it: every file built in dependency order, services by full name, and a JSON type
 * registry holding every message (for {@code google.protobuf.Any}). Immutable once loaded.
 */
public final class DescriptorSet {
    private static final int HTTP_RULE_FIELD = AnnotationsProto.HTTP_FIELD_NUMBER;

    private final String source;
    private final Map<String, Descriptors.ServiceDescriptor> services;
    private final JsonFormat.TypeRegistry types;

    private DescriptorSet(String source, Map<String, Descriptors.ServiceDescriptor> services, JsonFormat.TypeRegistry types) {
        this.source = source;
        this.services = services;
        this.types = types;
    }

    /**
     * Reads and builds a descriptor set file.
     *
     * @throws IllegalArgumentException saying what is wrong (not found, not a descriptor set, an import missing)
     */
    public static DescriptorSet load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("descriptor set " + file + " not found");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return of(file.toString(), DescriptorProtos.FileDescriptorSet.parseFrom(in, registry()));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(file + " is not a FileDescriptorSet: " + e.getMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** An extension registry that knows {@code google.api.http}. */
    static ExtensionRegistry registry() {
        ExtensionRegistry r = ExtensionRegistry.newInstance();
        r.add(AnnotationsProto.http);
        return r;
    }

    /** Builds every file of {@code set}; {@code source} names it in messages. */
    public static DescriptorSet of(String source, DescriptorProtos.FileDescriptorSet set) {
        Map<String, DescriptorProtos.FileDescriptorProto> protos = new LinkedHashMap<>();
        for (DescriptorProtos.FileDescriptorProto f : set.getFileList()) {
            protos.put(f.getName(), f);
        }
        if (protos.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no file descriptor");
        }
        Map<String, Descriptors.FileDescriptor> built = new HashMap<>();
        for (String name : protos.keySet()) {
            build(source, name, protos, built, new ArrayList<>());
        }
        Map<String, Descriptors.ServiceDescriptor> services = new LinkedHashMap<>();
        JsonFormat.TypeRegistry.Builder types = JsonFormat.TypeRegistry.newBuilder();
        for (String name : protos.keySet()) {
            Descriptors.FileDescriptor fd = built.get(name);
            for (Descriptors.ServiceDescriptor s : fd.getServices()) {
                services.put(s.getFullName(), s);
            }
            types.add(fd.getMessageTypes());
        }
        return new DescriptorSet(source, Map.copyOf(services), types.build());
    }

    private static Descriptors.FileDescriptor build(String source, String name, Map<String, DescriptorProtos.FileDescriptorProto> protos,
                                                    Map<String, Descriptors.FileDescriptor> built, List<String> stack) {
        Descriptors.FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        DescriptorProtos.FileDescriptorProto p = protos.get(name);
        if (p == null) {
            throw new IllegalArgumentException(source + " lacks " + name + ", imported by " + stack.get(stack.size() - 1)
                    + ": write the set with protoc --include_imports");
        }
        if (stack.contains(name)) {
            throw new IllegalArgumentException(source + ": import cycle through " + name);
        }
        stack.add(name);
        Descriptors.FileDescriptor[] deps = new Descriptors.FileDescriptor[p.getDependencyCount()];
        for (int i = 0; i < deps.length; i++) {
            deps[i] = build(source, p.getDependency(i), protos, built, stack);
        }
        stack.remove(stack.size() - 1);
        try {
            Descriptors.FileDescriptor fd = Descriptors.FileDescriptor.buildFrom(p, deps);
            built.put(name, fd);
            return fd;
        } catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalArgumentException(source + ": " + name + " is not a valid proto file: " + e.getMessage());
        }
    }

    /** Where it came from (the file name). */
    public String source() {
        return source;
    }

    /** Services by full name ({@code pkg.Service}). */
    public Map<String, Descriptors.ServiceDescriptor> services() {
        return services;
    }

    /** Every message of the set, for JSON of {@code Any} fields. */
    public JsonFormat.TypeRegistry types() {
        return types;
    }

    /**
     * A method by {@code pkg.Service/Method} or {@code pkg.Service.Method}, or null.
     */
    public Descriptors.MethodDescriptor method(String name) {
        int cut = name.indexOf('/');
        if (cut < 0) {
            cut = name.lastIndexOf('.');
        }
        if (cut <= 0) {
            return null;
        }
        Descriptors.ServiceDescriptor s = services.get(name.substring(0, cut).replaceFirst("^\\.", ""));
        return s == null ? null : s.findMethodByName(name.substring(cut + 1));
    }

    /** The method's {@code google.api.http} rule, or null when it has none. */
    public static HttpRule httpRule(Descriptors.MethodDescriptor m) {
        DescriptorProtos.MethodOptions o = m.getOptions();
        if (o.hasExtension(AnnotationsProto.http)) {
            return o.getExtension(AnnotationsProto.http);
        }
        // built without the registry (or re-parsed by the builder): the rule is an unknown field of the options
        UnknownFieldSet.Field f = o.getUnknownFields().getField(HTTP_RULE_FIELD);
        if (f == null || f.getLengthDelimitedList().isEmpty()) {
            return null;
        }
        try {
            return HttpRule.parseFrom(f.getLengthDelimitedList().get(f.getLengthDelimitedList().size() - 1));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(m.getFullName() + ": its google.api.http option is not an HttpRule: " + e.getMessage());
        }
    }
}
