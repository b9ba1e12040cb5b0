package io.headroom.ingest.codec;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A compact, versioned binary codec for one record type.
 *
 * <p>Every encoded value starts with the magic byte {@code 'H'}, a type byte and a version byte, so a consumer
 * can reject a record of the wrong topic or of a future version with a clear error instead of misreading it.
 */
public interface Codec<T> {
    byte[] encode(T value);

    T decode(byte[] bytes);

    default Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : encode(value);
    }

    default Deserializer<T> deserializer() {
        return (topic, bytes) -> bytes == null ? null : decode(bytes);
    }
}
