package io.headroom.router.aggregate;

import com.nimbusds.jose.shaded.gson.Gson;
import com.nimbusds.jose.shaded.gson.GsonBuilder;
import com.nimbusds.jose.shaded.gson.JsonElement;
import com.nimbusds.jose.shaded.gson.JsonParser;
import com.nimbusds.jose.shaded.gson.Strictness;
import com.nimbusds.jose.shaded.gson.stream.JsonReader;

import java.io.StringReader;

/**
 * JSON trees for aggregation, on the Gson that nimbus-jose-jwt carries (already on the router's class path), kept
 * behind this one class so that the parser can be swapped in one place. Numbers keep their exact text.
 */
public final class Json {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private Json() {
    }

    /**
     * Parses one complete JSON value, strictly (RFC 8259; no comments, no trailing content).
     *
     * @throws IllegalArgumentException when it is not
     */
    public static JsonElement parse(String text) {
        try {
            JsonReader r = new JsonReader(new StringReader(text));
            r.setStrictness(Strictness.STRICT);
            JsonElement e = JsonParser.parseReader(r);
            if (r.peek() != com.nimbusds.jose.shaded.gson.stream.JsonToken.END_DOCUMENT) {
                throw new IllegalArgumentException("content after the JSON value");
            }
            return e;
        } catch (RuntimeException | java.io.IOException e) {
            throw new IllegalArgumentException(e.getMessage() == null ? e.toString() : e.getMessage().split("\n")[0], e);
        }
    }

    public static String write(JsonElement e) {
        return GSON.toJson(e);
    }
}
