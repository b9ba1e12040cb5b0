package io.headroom.router.lane;

/**
 * A request's header fields as the bytes they came in, for a copy that makes no string: field {@code i}'s name is
 * {@code bytes()[nameStart(i), nameEnd(i))} (an ASCII token, in the client's case) and its value
 * {@code bytes()[valueStart(i), valueEnd(i))} (visible ASCII, spaces and tabs, without the surrounding ones). Fields
 * are in the order sent, a repeated name once per field. Valid during the request only.
 */
public interface RawFields {
    int fieldCount();

    byte[] bytes();

    int nameStart(int i);

    int nameEnd(int i);

    int valueStart(int i);

    int valueEnd(int i);

    /** Whether field {@code i}'s name is {@code lowerName} (ASCII lower case), in any case. */
    boolean nameIs(int i, String lowerName);

    /** Whether field {@code i}'s name starts with {@code lowerPrefix}, in any case. */
    boolean nameStartsWith(int i, String lowerPrefix);

    /** Field {@code i}'s value as a string. */
    String value(int i);
}
