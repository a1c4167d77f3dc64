package io.keycycle.spring;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;

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
        KeycycleProperties p = Binder.get(environment).bind("keycycle", KeycycleProperties.class).orElseGet(KeycycleProperties::new);
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
