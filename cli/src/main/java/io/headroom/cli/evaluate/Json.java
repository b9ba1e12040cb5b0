package io.headroom.cli.evaluate;

import io.headroom.ingest.json.JsonStrings;

/** The two JSON helpers the evaluation output needs. */
final class Json {
    private Json() {
    }

    static String num(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return "null";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return java.math.BigDecimal.valueOf(d).round(new java.math.MathContext(8)).stripTrailingZeros().toPlainString();
    }

    static String quote(String s) {
        return JsonStrings.quote(s);
    }
}
