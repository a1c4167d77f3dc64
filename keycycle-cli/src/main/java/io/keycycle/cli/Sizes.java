package io.keycycle.cli;

import io.keycycle.core.config.Quantities;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Sizes in bytes as operators write them ({@link Quantities#bytes}): {@code 1048576}, {@code 512KiB}, {@code 32MiB}, {@code 1GiB}. */
final class Sizes implements ITypeConverter<Long> {

    @Override
    public Long convert(String value) {
        try {
            return Quantities.bytes(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage() + "; write e.g. 1048576, 512KiB, 32MiB or 1GiB");
        }
    }
}
