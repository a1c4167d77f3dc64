package io.keycycle.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code keycycle serve} warns about a kernel DAMON monitor on physical memory, read from a sysfs-shaped folder. */
class HostCheckTest {

    @TempDir Path sysfs;

    @Test
    void aRunningPhysicalMemoryMonitorGivesOneWarningWithItsSampleRateAndHowToSwitchItOff() throws IOException {
        Path kdamonds = kdamond(sysfs, 0, "on\n", "paddr\n", "500000\n");

        List<String> warnings = HostCheck.damonWarnings(kdamonds);

        assertThat(warnings).singleElement().satisfies(w -> assertThat(w)
                .contains("DAMON monitor is on (kdamond 0, physical memory, a sample every 500 ms)")
                .contains("echo off > " + kdamonds.resolve("0").resolve("state"))
                .contains("p99"));
    }

    @Test
    void monitorsThatAreOffOrWatchOnlySomeProcessesGiveNone() throws IOException {
        Path kdamonds = kdamond(sysfs, 0, "off\n", "paddr\n", "500000\n");
        kdamond(sysfs, 1, "on\n", "vaddr\n", "5000\n");

        assertThat(HostCheck.damonWarnings(kdamonds)).isEmpty();
    }

    @Test
    void severalRunningMonitorsAreNamedInTheirOrderAndAnOddSampleRateIsLeftOut() throws IOException {
        Path kdamonds = kdamond(sysfs, 10, "on", "paddr", "250");
        kdamond(sysfs, 2, "on", "paddr", "not a number");
        Files.createDirectories(kdamonds.resolve("nr_kdamonds"));   // a non-numbered entry is not a monitor

        assertThat(HostCheck.damonWarnings(kdamonds)).hasSize(2).satisfiesExactly(
                first -> assertThat(first).contains("(kdamond 2, physical memory).").doesNotContain("a sample every"),
                second -> assertThat(second).contains("(kdamond 10, physical memory, a sample every 250 µs)"));
    }

    @Test
    void aMachineWithoutDamonOrWithAnUnreadableMonitorGivesNone() throws IOException {
        assertThat(HostCheck.damonWarnings(sysfs.resolve("absent"))).isEmpty();

        Path kdamonds = sysfs.resolve("kdamonds");
        Files.createDirectories(kdamonds.resolve("0"));             // no state file, no context
        assertThat(HostCheck.damonWarnings(kdamonds)).isEmpty();
    }

    private static Path kdamond(Path sysfs, int n, String state, String operations, String sampleUs) throws IOException {
        Path kdamonds = sysfs.resolve("kdamonds");
        Path d = kdamonds.resolve(String.valueOf(n));
        Path intervals = d.resolve("contexts/0/monitoring_attrs/intervals");
        Files.createDirectories(intervals);
        Files.writeString(d.resolve("state"), state);
        Files.writeString(d.resolve("contexts/0/operations"), operations);
        Files.writeString(intervals.resolve("sample_us"), sampleUs);
        return kdamonds;
    }
}
