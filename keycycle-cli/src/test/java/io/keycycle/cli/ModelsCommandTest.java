package io.keycycle.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ModelsCommandTest {

    @TempDir Path dir;

    @Test
    void tableShowsLimitsStatusAndSources() {
        Cli.Result r = Cli.at(dir, Map.of()).run("models", "groq");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out().lines().findFirst().orElseThrow())
                .containsPattern("PROVIDER\\s+MODEL\\s+STATUS\\s+DEFAULT\\s+RPM\\s+RPH\\s+RPD\\s+TPM\\s+TPH\\s+TPD\\s+SOURCE");
        assertThat(r.out())
                .containsPattern("groq\\s+openai/gpt-oss-120b\\s+current\\s+yes\\s+30\\s+unlimited\\s+1000\\s+8000\\s+unlimited\\s+200000\\s+.*built-in groq")
                .containsPattern("groq\\s+llama-3.3-70b-versatile\\s+retired\\s+30")
                .containsPattern("groq\\s+qwen/qwen3-32b\\s+retired")
                .doesNotContain("gemini");
    }

    @Test
    void csvHasOneLinePerModelAndEmptyCellsForUnlimited() {
        Cli.Result r = Cli.at(dir, Map.of()).run("models", "groq", "--format", "csv");

        assertThat(r.code()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("PROVIDER,MODEL,STATUS,DEFAULT,RPM,RPH,RPD,TPM,TPH,TPD,SINCE,SOURCE,NOTE");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("groq,openai/gpt-oss-120b,current,true,30,,1000,8000,,200000,"));
    }

    @Test
    void jsonCarriesLimitsAndTheSourceOfEach() throws Exception {
        Cli.Result r = Cli.at(dir, Map.of()).run("models", "--format", "JSON");

        assertThat(r.code()).isZero();
        JsonNode all = Json.MAPPER.readTree(r.out());
        JsonNode llama = null;
        for (JsonNode n : all) {
            if (n.path("provider").asText().equals("groq") && n.path("model").asText().equals("openai/gpt-oss-120b")) llama = n;
        }
        assertThat(llama).isNotNull();
        assertThat(llama.path("limits").path("rpd").asLong()).isEqualTo(1000);
        assertThat(llama.path("limits").path("rph").isNull()).isTrue();
        assertThat(llama.path("sources").path("rpm").asText()).startsWith("built-in groq");
        assertThat(llama.path("default").asBoolean()).isTrue();
        assertThat(all.findValuesAsText("provider")).contains("cerebras", "gemini", "openrouter");
    }

    @Test
    void userFileModelsAndOverridesShowWithTheirSource() throws Exception {
        Files.writeString(dir.resolve("keycycle.yaml"), """
                providers:
                  groq:
                    models:
                      openai/gpt-oss-120b: { rpm: 5 }
                      my-finetune: { rpm: 3, rpd: 100 }
                """);
        Cli.Result r = Cli.at(dir, Map.of()).run("models", "groq");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("openai/gpt-oss-120b\\s+current\\s+yes\\s+5\\s.*rpm: user file")
                .containsPattern("my-finetune\\s+user-defined\\s+3\\s");
    }

    @Test
    void unknownProviderOrFormatIsAUsageError() {
        Cli.Result unknown = Cli.at(dir, Map.of()).run("models", "acme");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown provider 'acme'").contains("groq");

        Cli.Result format = Cli.at(dir, Map.of()).run("models", "--format", "xml");
        assertThat(format.code()).isEqualTo(2);
        assertThat(format.err()).contains("xml").contains("TABLE, CSV, JSON");
    }
}
