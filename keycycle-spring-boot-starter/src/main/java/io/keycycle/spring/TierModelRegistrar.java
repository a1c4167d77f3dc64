package io.keycycle.spring;

import io.keycycle.core.config.KeycycleConfig;
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
 * (the {@code keycycle.*} properties, else the configuration file).
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
        KeycycleConfig config = KeycycleSetup.config(p, KeycycleSetup.variables(environment));
        BeanFactory beans = (BeanFactory) registry;
        for (String tier : config.tiers().keySet()) {
            String name = BEAN_PREFIX + tier;
            if (registry.containsBeanDefinition(name)) continue;
            RootBeanDefinition d = new RootBeanDefinition(RotatingChatModel.class,
                    () -> beans.getBean(KeycycleChatModels.class).chatModel(tier));
            d.addQualifier(new AutowireCandidateQualifier(Qualifier.class, tier));
            d.setDescription("Keycycle rotating ChatModel of tier '" + tier + "'");
            registry.registerBeanDefinition(name, d);
        }
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
    }
}
