package io.keycycle.sim;

import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: one started {@link Simulator} per test class, injected into any constructor,
 * lifecycle or test method parameter of type {@code Simulator}, and closed after the class.
 * Before each test the simulator is {@link Simulator#reset() reset} (windows, key states, faults,
 * stats), unless configured otherwise.
 *
 * <pre>{@code
 * @ExtendWith(SimulatorExtension.class)          // all four providers, free-tier tables, 3 fake keys each
 * class MyTest { @Test void t(Simulator sim) { ... } }
 *
 * @RegisterExtension
 * static final SimulatorExtension SIM = SimulatorExtension.configure(b -> b.provider(SimProvider.groq()...build()));
 * }</pre>
 *
 * <p>JUnit is an optional dependency of this module; the test module brings it.
 */
public final class SimulatorExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SimulatorExtension.class);

    private final Consumer<Simulator.Builder> configurer;
    private final boolean resetEachTest;

    /** Default: {@link Simulator.Builder#freeTierProviders(int) freeTierProviders(3)}. */
    public SimulatorExtension() {
        this(b -> b.freeTierProviders(3), true);
    }

    private SimulatorExtension(Consumer<Simulator.Builder> configurer, boolean resetEachTest) {
        this.configurer = configurer;
        this.resetEachTest = resetEachTest;
    }

    /** An extension whose simulator is built by {@code configurer} (for {@code @RegisterExtension}). */
    public static SimulatorExtension configure(Consumer<Simulator.Builder> configurer) {
        return new SimulatorExtension(Objects.requireNonNull(configurer, "configurer"), true);
    }

    /** Same configuration, but the state carries over from test to test. */
    public SimulatorExtension withoutResetBetweenTests() {
        return new SimulatorExtension(configurer, false);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Simulator.Builder b = Simulator.builder();
        configurer.accept(b);
        context.getStore(NS).put(Simulator.class, b.build().start());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Simulator sim = context.getStore(NS).remove(Simulator.class, Simulator.class);
        if (sim != null) {
            sim.close();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (resetEachTest) {
            simulator(context).reset();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Simulator.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return simulator(context);
    }

    private static Simulator simulator(ExtensionContext context) {
        Simulator sim = context.getStore(NS).get(Simulator.class, Simulator.class);
        if (sim == null) {
            throw new IllegalStateException("no simulator for " + context.getDisplayName()
                    + "; register SimulatorExtension on the test class");
        }
        return sim;
    }
}
