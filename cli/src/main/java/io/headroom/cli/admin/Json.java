package io.headroom.cli.admin;

import io.headroom.ingest.json.JsonStrings;

import java.util.Locale;

/** A minimal JSON writer for the admin API: objects, arrays, escaped strings, finite numbers (NaN becomes null). */
final class Json {
    private final StringBuilder sb = new StringBuilder(256);
    private boolean needComma;

    Json beginObject() {
        comma();
        sb.append('{');
        needComma = false;
        return this;
    }

    Json endObject() {
        sb.append('}');
        needComma = true;
        return this;
    }

    Json beginArray() {
        comma();
        sb.append('[');
        needComma = false;
        return this;
    }

    Json endArray() {
        sb.append(']');
        needComma = true;
        return this;
    }

    Json name(String n) {
        comma();
        quote(n);
        sb.append(':');
        needComma = false;
        return this;
    }

    Json value(String v) {
        comma();
        if (v == null) {
            sb.append("null");
        } else {
            quote(v);
        }
        needComma = true;
        return this;
    }

    Json value(double v) {
        comma();
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            sb.append("null");
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            sb.append((long) v);
        } else {
            sb.append(String.format(Locale.ROOT, "%.4g", v));
        }
        needComma = true;
        return this;
    }

    Json value(boolean v) {
        comma();
        sb.append(v);
        needComma = true;
        return this;
    }

    Json field(String n, String v) {
        return name(n).value(v);
    }

    /** A value written as is: a number or literal the caller has checked. */
    Json raw(String literal) {
        comma();
        sb.append(literal);
        needComma = true;
        return this;
    }

    Json field(String n, double v) {
        return name(n).value(v);
    }

    Json field(String n, boolean v) {
        return name(n).value(v);
    }

    private void comma() {
        if (needComma) {
            sb.append(',');
        }
    }

    private void quote(String s) {
        JsonStrings.append(sb, s);
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
