package io.headroom.cli.report;

import java.awt.image.BufferedImage;
import java.util.function.IntPredicate;

/** Counts of pixels in the report tests' renderings, to tell drawn charts from empty ones. */
final class Pixels {
    private Pixels() {
    }

    /** Pixels that are neither white, black nor grey: drawn series, bands, bars and shading. */
    static int coloured(BufferedImage img) {
        return count(img, rgb -> {
            int r = (rgb >> 16) & 0xff;
            int g = (rgb >> 8) & 0xff;
            int b = rgb & 0xff;
            return Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 40;
        });
    }

    /** Pixels of exactly the colour {@code argb} (alpha ignored). */
    static int ofColour(BufferedImage img, int argb) {
        return count(img, rgb -> (rgb & 0xffffff) == (argb & 0xffffff));
    }

    private static int count(BufferedImage img, IntPredicate rgbMatches) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if (rgbMatches.test(img.getRGB(x, y))) {
                    n++;
                }
            }
        }
        return n;
    }
}
