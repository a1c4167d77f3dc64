package io.keycycle.store.testing;

import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a test method once per database, each time with a fresh, empty database injected as a
 * {@link TestDatabase} parameter: a temporary SQLite file, and MariaDB at 127.0.0.1:3306 (user
 * root, no password; a {@code kc_test_<random>} database per test class, emptied before each test
 * and dropped after the class). When MariaDB does not answer, its runs are skipped, or fail if the
 * system property {@code keycycle.requireServices} is {@code true}.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@TestTemplate
@ExtendWith(StoreTestExtension.class)
public @interface DatabaseTest {

    /** The databases to run on; both by default. */
    TestDatabase.Kind[] value() default {TestDatabase.Kind.SQLITE, TestDatabase.Kind.MARIADB};
}
