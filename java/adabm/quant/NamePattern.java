package adabm.quant;

import java.util.regex.Pattern;

/**
 * A node-name pattern for role and kind overrides: {@code regex:<java regex>} matches the whole name with a regular
 * expression; anything else (optionally prefixed {@code glob:}) is a glob where {@code *} is any run of characters
 * (dots included) and {@code ?} is one character.
 */
public record NamePattern(String text, Pattern pattern) {
    public static NamePattern of(String text) {
        if (text.startsWith("regex:")) return new NamePattern(text, Pattern.compile(text.substring(6)));
        String glob = text.startsWith("glob:") ? text.substring(5) : text;
        StringBuilder re = new StringBuilder();
        for (char ch : glob.toCharArray()) {
            switch (ch) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(ch)));
            }
        }
        return new NamePattern(text, Pattern.compile(re.toString()));
    }

    public boolean matches(String name) { return pattern.matcher(name).matches(); }
}
