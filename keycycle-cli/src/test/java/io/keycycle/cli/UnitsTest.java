package io.keycycle.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnitsTest {

    @Test
    void durationsAsOperatorsWriteThem() {
        assertThat(Durations.parse("30d")).isEqualTo(Duration.ofDays(30));
        assertThat(Durations.parse("12h")).isEqualTo(Duration.ofHours(12));
        assertThat(Durations.parse("90m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("2w")).isEqualTo(Duration.ofDays(14));
        assertThat(Durations.parse("PT36H")).isEqualTo(Duration.ofHours(36));
        assertThatThrownBy(() -> Durations.parse("0d")).isInstanceOf(TypeConversionException.class).hasMessageContaining("> 0");
        assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("'soon' is not a duration");
        assertThat(Durations.format(Duration.ofMinutes(125))).isEqualTo("2h05m");
        assertThat(Duration.ofHours(6)).satisfies(d -> assertThat(Durations.format(d)).isEqualTo("6h"));
        assertThat(Durations.format(Duration.ofHours(76))).isEqualTo("3d4h");
    }

    @Test
    void gridAlignsNumbersRightAndQuotesCsv() {
        Grid g = new Grid("NAME", "COUNT").row("a", 5).row("longer, name", 12345).row("q\"uote", null);
        StringWriter table = new StringWriter();
        g.printTable(new PrintWriter(table, true), "");
        assertThat(table.toString().lines().toList()).containsExactly(
                "NAME          COUNT",
                "a                 5",
                "longer, name  12345",
                "q\"uote            -");
        StringWriter csv = new StringWriter();
        g.printCsv(new PrintWriter(csv, true));
        assertThat(csv.toString().lines().toList()).containsExactly("NAME,COUNT", "a,5", "\"longer, name\",12345", "\"q\"\"uote\",");
        assertThat(g.toMaps().get(0)).containsEntry("name", "a").containsEntry("count", 5);
        assertThat(Grid.jsonName("REQUESTS TODAY")).isEqualTo("requestsToday");
    }
}
