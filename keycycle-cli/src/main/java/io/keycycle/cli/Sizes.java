package io.keycycle.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes in bytes as operators write them: {@code 1048576}, {@code 512KiB}, {@code 32MiB}, {@code 1GiB}. */
final class Sizes implements ITypeConverter<Long> {

    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*(kib|mib|gib)?");

    @Override
    public Long convert(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT).replace("_", "");
        Matcher m = SIZE.matcher(v);
        if (!m.matches()) throw new TypeConversionException("'" + value + "' is not a size; write e.g. 1048576, 512KiB, 32MiB or 1GiB");
        long n = Long.parseLong(m.group(1));
        if (m.group(2) == null) return n;
        int shift = switch (m.group(2)) {
            case "kib" -> 10;
            case "mib" -> 20;
            default -> 30;
        };
        if (n > (Long.MAX_VALUE >> shift)) throw new TypeConversionException("'" + value + "' is too large");
        return n << shift;
    }
}
