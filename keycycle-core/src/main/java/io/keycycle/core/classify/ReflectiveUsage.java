package io.keycycle.core.classify;

import io.keycycle.core.Usage;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Optional;

/**
 * The token usage a foreign client's answer carries, read by its method names: the object a call
 * with your own client returns ({@code Keycycle.call}, {@code KeyPool.call}) is looked at for
 * {@code usage()}, {@code getUsage()} or {@code tokenUsage()} (an {@link Optional} is unwrapped),
 * and that usage for the prompt ({@code promptTokens}, {@code inputTokens}, {@code inputTokenCount}
 * and their {@code get…} forms), the completion ({@code completionTokens}, {@code outputTokens},
 * {@code outputTokenCount}) and the total ({@code totalTokens}, {@code totalTokenCount}). That
 * covers the OpenAI Java SDK's {@code ChatCompletion}, LangChain4j's {@code ChatResponse} and a
 * record of one's own with those names. An answer without them (a String) gives null: the call is
 * charged its estimate. Never throws; the methods found are kept per class.
 */
public final class ReflectiveUsage {

    private static final String[] USAGE = {"usage", "getUsage", "tokenUsage", "getTokenUsage"};
    private static final String[] PROMPT = {"promptTokens", "getPromptTokens", "inputTokens", "getInputTokens", "inputTokenCount",
            "getInputTokenCount"};
    private static final String[] COMPLETION = {"completionTokens", "getCompletionTokens", "outputTokens", "getOutputTokens",
            "outputTokenCount", "getOutputTokenCount"};
    private static final String[] TOTAL = {"totalTokens", "getTotalTokens", "totalTokenCount", "getTotalTokenCount"};

    /** Per class: the first method of a list it has (an empty optional when none). */
    private static final ClassValue<Optional<Method>[]> METHODS = new ClassValue<>() {
        @Override
        @SuppressWarnings("unchecked")
        protected Optional<Method>[] computeValue(Class<?> type) {
            return new Optional[]{find(type, USAGE), find(type, PROMPT), find(type, COMPLETION), find(type, TOTAL)};
        }
    };

    private ReflectiveUsage() { }

    /** The usage {@code answer} carries, or null when it names none. */
    public static Usage of(Object answer) {
        if (answer == null || skipped(answer.getClass())) return null;
        Object usage = unwrap(invoke(METHODS.get(answer.getClass())[0], answer));
        if (usage == null || skipped(usage.getClass())) return null;
        Optional<Method>[] m = METHODS.get(usage.getClass());
        long prompt = count(invoke(m[1], usage)), completion = count(invoke(m[2], usage)), total = count(invoke(m[3], usage));
        if (prompt < 0 && completion < 0 && total < 0) return null;
        long p = Math.max(0, prompt), c = Math.max(0, completion);
        return new Usage(p, c, total >= 0 ? total : p + c);
    }

    /** Plain values and the JDK's own types carry no usage worth a lookup. */
    private static boolean skipped(Class<?> type) {
        return type.isPrimitive() || type.isArray() || type.getName().startsWith("java.");
    }

    /** The first public no-argument method of {@code type} with one of {@code names} that returns something. */
    static Optional<Method> find(Class<?> type, String... names) {
        for (String name : names) {
            try {
                Method m = type.getMethod(name);
                if (m.getParameterCount() != 0 || m.getReturnType() == void.class) continue;
                if (!Modifier.isPublic(m.getDeclaringClass().getModifiers()) && !m.trySetAccessible()) continue;
                return Optional.of(m);
            } catch (NoSuchMethodException | RuntimeException | LinkageError e) {
                // next name
            }
        }
        return Optional.empty();
    }

    /** What {@code m} returns for {@code target}, or null when there is no method or it failed. */
    static Object invoke(Optional<Method> m, Object target) {
        if (m.isEmpty()) return null;
        try {
            return m.get().invoke(target);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    private static Object unwrap(Object v) {
        if (v instanceof Optional<?> o) return o.orElse(null);
        return v;
    }

    /** A non-negative count, or -1 when {@code v} is none (null, empty, not a number, negative). */
    private static long count(Object v) {
        Object x = unwrap(v);
        if (x instanceof java.util.OptionalLong o) return o.isPresent() && o.getAsLong() >= 0 ? o.getAsLong() : -1;
        if (x instanceof java.util.OptionalInt o) return o.isPresent() && o.getAsInt() >= 0 ? o.getAsInt() : -1;
        if (x instanceof Number n && (x instanceof Long || x instanceof Integer || x instanceof Short)) {
            return n.longValue() >= 0 ? n.longValue() : -1;
        }
        return -1;
    }
}
