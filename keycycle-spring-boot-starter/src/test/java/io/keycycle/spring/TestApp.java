package io.keycycle.spring;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.util.Map;

/** A bare application with auto-configuration only (no component scan), started with given properties. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class TestApp {

    public static ConfigurableApplicationContext run(Map<String, String> env, String... properties) {
        return run(new Class<?>[] {TestApp.class}, env, properties);
    }

    public static ConfigurableApplicationContext run(Class<?>[] sources, Map<String, String> env, String... properties) {
        return new SpringApplicationBuilder(sources)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .properties(SimulatorEnv.asProperties(env, properties))
                .run();
    }
}
