package adabm.quant.report;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A built-in 5x7 pixel font (digits, A-Z, and . - + : = ( ) / %), so reports can carry text without AWT font
 * rendering: headless machines without fontconfig or fonts fail in {@code Graphics.drawString}. Lower case letters
 * are drawn as upper case. Each glyph advances 6 columns (one blank column between glyphs).
 */
public final class BitmapFont {
    public static final int WIDTH = 5, HEIGHT = 7, ADVANCE = 6;

    private static final Map<Character, boolean[][]> GLYPHS = new HashMap<>();

    private BitmapFont() { }

    /** Whether the font has this character (space counts). */
    public static boolean has(char ch) { return ch == ' ' || GLYPHS.containsKey(Character.toUpperCase(ch)); }

    /** The glyph's 7 rows of 5 pixels, true = ink; space is blank. */
    public static boolean[][] glyph(char ch) {
        if (ch == ' ') return new boolean[HEIGHT][WIDTH];
        boolean[][] g = GLYPHS.get(Character.toUpperCase(ch));
        if (g == null) throw new IllegalArgumentException("the built-in font has no glyph for '" + ch + "' (U+"
                + String.format(Locale.ROOT, "%04X", (int) ch) + ")");
        return g;
    }

    /** Width in pixels of a text line drawn at this scale (no trailing blank column). */
    public static int width(String text, int scale) { return text.isEmpty() ? 0 : (text.length() * ADVANCE - 1) * scale; }

    public static int height(int scale) { return HEIGHT * scale; }

    private static void def(char ch, String... rows) {
        if (rows.length != HEIGHT) throw new AssertionError("glyph '" + ch + "' has " + rows.length + " rows");
        boolean[][] g = new boolean[HEIGHT][WIDTH];
        for (int y = 0; y < HEIGHT; y++) {
            if (rows[y].length() != WIDTH) throw new AssertionError("glyph '" + ch + "' row " + y + " is not " + WIDTH + " wide");
            for (int x = 0; x < WIDTH; x++) g[y][x] = rows[y].charAt(x) == '#';
        }
        GLYPHS.put(ch, g);
    }

    static {
        def('0', ".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###.");
        def('1', "..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###.");
        def('2', ".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####");
        def('3', "#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###.");
        def('4', "...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#.");
        def('5', "#####", "#....", "####.", "....#", "....#", "#...#", ".###.");
        def('6', "..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###.");
        def('7', "#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#...");
        def('8', ".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###.");
        def('9', ".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##..");
        def('.', ".....", ".....", ".....", ".....", ".....", ".##..", ".##..");
        def('-', ".....", ".....", ".....", "#####", ".....", ".....", ".....");
        def('+', ".....", "..#..", "..#..", "#####", "..#..", "..#..", ".....");
        def(':', ".....", ".##..", ".##..", ".....", ".##..", ".##..", ".....");
        def('=', ".....", ".....", "#####", ".....", "#####", ".....", ".....");
        def('(', "...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#.");
        def(')', ".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#...");
        def('/', ".....", "....#", "...#.", "..#..", ".#...", "#....", ".....");
        def('%', "##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##");
        def('A', ".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#");
        def('B', "####.", "#...#", "#...#", "####.", "#...#", "#...#", "####.");
        def('C', ".###.", "#...#", "#....", "#....", "#....", "#...#", ".###.");
        def('D', "###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###..");
        def('E', "#####", "#....", "#....", "####.", "#....", "#....", "#####");
        def('F', "#####", "#....", "#....", "####.", "#....", "#....", "#....");
        def('G', ".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####");
        def('H', "#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#");
        def('I', ".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###.");
        def('J', "..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##..");
        def('K', "#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#");
        def('L', "#....", "#....", "#....", "#....", "#....", "#....", "#####");
        def('M', "#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#");
        def('N', "#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#");
        def('O', ".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###.");
        def('P', "####.", "#...#", "#...#", "####.", "#....", "#....", "#....");
        def('Q', ".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#");
        def('R', "####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#");
        def('S', ".####", "#....", "#....", ".###.", "....#", "....#", "####.");
        def('T', "#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#..");
        def('U', "#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###.");
        def('V', "#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#..");
        def('W', "#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#.");
        def('X', "#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#");
        def('Y', "#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#..");
        def('Z', "#####", "....#", "...#.", "..#..", ".#...", "#....", "#####");
    }
}
