package io.keycycle.core.client;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The streaming scan reads the same usage and error as the tree-based reader, for any body. */
class BodyScanTest {

    static BodyScan scan(String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return BodyScan.of(b, 0, b.length);
    }

    @Property(tries = 2000)
    void agreesWithUsageReaderOnAnyBody(@ForAll("bodies") String body) {
        BodyScan s = scan(body);
        var tree = Json.tryParse(body);
        boolean object = tree.isPresent() && tree.get().isObject();
        assertThat(s.object()).as(body).isEqualTo(object);
        if (!object) return;
        assertThat(s.usage()).as(body).isEqualTo(UsageReader.fromJson(tree.get()).orElse(null));
        assertThat(s.error()).as(body).isEqualTo(tree.get().hasNonNull("error"));
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> count = Arbitraries.oneOf(Arbitraries.longs().between(0, 100_000).map(Object::toString),
                Arbitraries.of("null", "-3", "1.5", "\"12\"", "true", "[]", "{}", "99999999999999999999999"));
        Arbitrary<String> usageObject = Combinators.combine(count, count, count, count, Arbitraries.integers().between(0, 15))
                .as((p, c, t, cached, mask) -> {
                    List<String> f = new ArrayList<>();
                    if ((mask & 1) != 0) f.add("\"prompt_tokens\":" + p);
                    if ((mask & 2) != 0) f.add("\"completion_tokens\":" + c);
                    if ((mask & 4) != 0) f.add("\"total_tokens\":" + t);
                    if ((mask & 8) != 0) f.add("\"prompt_tokens_details\":{\"audio_tokens\":0,\"cached_tokens\":" + cached + "}");
                    f.add("\"queue_time\":0.05");
                    Collections.shuffle(f);
                    return "{" + String.join(",", f) + "}";
                });
        Arbitrary<String> gemini = Combinators.combine(count, count, count)
                .as((p, c, t) -> "{\"promptTokenCount\":" + p + ",\"candidatesTokenCount\":" + c + ",\"totalTokenCount\":" + t + "}");
        Arbitrary<String> field = Arbitraries.oneOf(
                usageObject.map(u -> "\"usage\":" + u),
                usageObject.map(u -> "\"x_groq\":{\"id\":\"req_1\",\"usage\":" + u + "}"),
                gemini.map(g -> "\"usageMetadata\":" + g),
                Arbitraries.of("\"usage\":null", "\"usage\":[1,2]", "\"error\":null", "\"error\":{\"message\":\"boom\",\"code\":429}",
                        "\"error\":\"text\"", "\"choices\":[{\"index\":0,\"message\":{\"content\":\"usage {\\\"usage\\\":1}\"}}]",
                        "\"id\":\"chatcmpl-1\"", "\"nested\":{\"usage\":{\"prompt_tokens\":5}}"));
        Arbitrary<String> object = field.list().ofMaxSize(5).map(fs -> "{" + String.join(",", fs) + "}");
        return Arbitraries.oneOf(object, object, object, Arbitraries.of("", "[]", "null", "<html>502</html>", "{\"a\":1",
                "{\"a\":1}{", "{\"a\":1} trailing", "  {\"usage\":{\"prompt_tokens\":3}}  "));
    }

    @Test
    void readsAnOpenAiCompletion() {
        BodyScan s = scan("{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":12,"
                + "\"completion_tokens\":7,\"total_tokens\":19}}");
        assertThat(s.object()).isTrue();
        assertThat(s.error()).isFalse();
        assertThat(s.usage()).isEqualTo(new io.keycycle.core.Usage(12, 7, 19));
    }

    @Test
    void readsTheCachedPromptTokensOfAnOpenAiShapedUsage() {
        assertThat(scan("{\"usage\":{\"prompt_tokens\":400,\"completion_tokens\":20,\"total_tokens\":420,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":384}}}").usage()).isEqualTo(new io.keycycle.core.Usage(400, 20, 420, 384));
        assertThat(scan("{\"x_groq\":{\"usage\":{\"prompt_tokens\":400,\"completion_tokens\":20,\"total_tokens\":420,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":384}}}}").usage().cachedTokens()).isEqualTo(384);
        assertThat(scan("{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2,\"total_tokens\":12,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":99}}}").usage().cachedTokens()).as("never more than the prompt").isEqualTo(10);
    }
}
