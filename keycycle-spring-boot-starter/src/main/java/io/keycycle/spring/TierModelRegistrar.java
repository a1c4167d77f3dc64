package io.keycycle.spring;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Registers one {@link RotatingChatModel} bean per tier, named {@code keycycle.tier.<name>} and
 * qualified by the tier's name: {@code keycycle.tiers.fast=...} gives
 * {@code @Qualifier("fast") ChatModel fast}. The tiers are read the way the engine reads them
 * (the {@code keycycle.*} properties, else the configuration file). It also checks the whole set-up
 * (configuration, tiers, keys) before any bean is created, so a mistake stops the start with one
 * report naming the property.
 */
final class TierModelRegistrar implements BeanDefinitionRegistryPostProcessor {

    static final String BEAN_PREFIX = "keycycle.tier.";

    private final ConfigurableEnvironment environment;

    TierModelRegistrar(ConfigurableEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
        KeycycleProperties p = bind(environment);
        KeycycleSetup.Settings settings = KeycycleSetup.Settings.resolve(p, environment);
        if (startersEngine(registry)) settings.checkKeys(); // an application's own Keycycle bean brings its own keys
        BeanFactory beans = (BeanFactory) registry;
        for (String tier : settings.config().tiers().keySet()) {
            String name = BEAN_PREFIX + tier;
            if (registry.containsBeanDefinition(name)) continue;
            RootBeanDefinition d = new RootBeanDefinition(RotatingChatModel.class,
                    () -> beans.getBean(KeycycleChatModels.class).chatModel(tier));
            d.addQualifier(new AutowireCandidateQualifier(Qualifier.class, tier));
            d.setDescription("Keycycle rotating ChatModel of tier '" + tier + "'");
            registry.registerBeanDefinition(name, d);
        }
    }

    /**
     * The {@code keycycle.*} properties; one that binds to nothing (a typo such as {@code rmp}, a model
     * id with a dot outside brackets) is a {@link KeycyclePropertyException} naming it, not silently
     * dropped. The process environment and system properties are not checked: variables such as
     * {@code KEYCYCLE_DB_URL} read as {@code keycycle.db.url}, and other parts read system properties
     * of their own ({@code keycycle.redis.functions}).
     */
    static KeycycleProperties bind(ConfigurableEnvironment environment) {
        BindHandler strict = new NoUnboundElementsBindHandler(BindHandler.DEFAULT, source -> {
            Object underlying = source.getUnderlyingSource();
            if (!(underlying instanceof PropertySource<?> ps)) return true;
            return !(ps instanceof SystemEnvironmentPropertySource)
                    && !StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME.equals(ps.getName());
        });
        try {
            return Binder.get(environment).bind("keycycle", Bindable.of(KeycycleProperties.class), strict)
                    .orElseGet(KeycycleProperties::new);
        } catch (BindException e) {
            if (!(e.getCause() instanceof UnboundConfigurationPropertiesException u)) throw e;
            ConfigurationProperty first = u.getUnboundProperties().iterator().next();
            String names = String.join(", ", u.getUnboundProperties().stream().map(c -> c.getName().toString()).toList());
            throw new KeycyclePropertyException(first.getName().toString(), names
                    + (u.getUnboundProperties().size() == 1 ? " is not a Keycycle property" : " are not Keycycle properties")
                    + (first.getOrigin() != null ? " (" + first.getOrigin() + ")" : "")
                    + "; the keycycle.* properties are listed in docs/spring.md. Model ids that contain '.', '/' or ':' need "
                    + "brackets: keycycle.providers.<p>.models[<model>].rpm", e);
        }
    }

    /** Whether the engine bean is the starter's (an application may define its own Keycycle bean). */
    private static boolean startersEngine(BeanDefinitionRegistry registry) {
        if (!registry.containsBeanDefinition("keycycle")) return false;
        String factory = registry.getBeanDefinition("keycycle").getFactoryBeanName();
        return factory != null && factory.endsWith(KeycycleAutoConfiguration.class.getSimpleName());
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
    }
}
