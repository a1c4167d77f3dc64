package io.keycycle.spring;

import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.core.KeycycleListener;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Keycycle in a Spring Boot application: the {@link Keycycle} engine (closed with the context, which
 * drains the store's writer), {@link KeycycleChatModels}, one rotating Spring AI {@code ChatModel}
 * per tier, the {@code keycycle} health component when Actuator's health support is present, and
 * Keycycle's meters when Micrometer is. {@code keycycle.enabled=false} turns all of it off.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "keycycle.enabled", matchIfMissing = true)
@EnableConfigurationProperties(KeycycleProperties.class)
public class KeycycleAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    Keycycle keycycle(KeycycleProperties properties, ConfigurableEnvironment environment, ObjectProvider<KeycycleListener> listeners) {
        return KeycycleSetup.Settings.resolve(properties, environment).build(listeners.orderedStream().toList());
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    KeycycleChatModels keycycleChatModels(Keycycle keycycle, KeycycleProperties properties, ObjectProvider<ObservationRegistry> observations) {
        CallSpec spec = KeycycleSetup.callSpec(properties, keycycle.callSpec());
        // the engine's request timeout: keycycle.calls.request-timeout, else the file's calls.request-timeout, else 120 s
        java.time.Duration requestTimeout = properties.getCalls().getRequestTimeout() != null
                ? properties.getCalls().getRequestTimeout() : keycycle.requestTimeout();
        ProviderClients clients = new ProviderClients(keycycle, requestTimeout,
                observations.getIfAvailable(() -> ObservationRegistry.NOOP));
        return new KeycycleChatModels(keycycle, clients, spec);
    }

    @Bean
    static TierModelRegistrar keycycleTierModels(ConfigurableEnvironment environment) {
        return new TierModelRegistrar(environment);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("keycycle")
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "keycycleHealthIndicator")
        KeycycleHealthIndicator keycycleHealthIndicator(Keycycle keycycle) {
            return new KeycycleHealthIndicator(keycycle);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        KeycycleMetrics keycycleMetrics(Keycycle keycycle) {
            return new KeycycleMetrics(keycycle);
        }
    }
}
