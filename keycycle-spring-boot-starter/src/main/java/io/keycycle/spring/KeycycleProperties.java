package io.keycycle.spring;

import io.keycycle.core.pool.Selection;
import org.springframework.boot.context.properties.ConfigurationProperties;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code keycycle.*} application properties. They mirror {@code keycycle.yaml}: what is set here
 * is turned into the same document and validated by the same parser, so the rules (limits such as
 * {@code 250K} or {@code unlimited}, strategies, daily resets) are the library's. API keys still come
 * from the environment convention ({@code NUM_<P>}, {@code <P>_API_KEY_<i>}), which may also be set
 * as properties or in a {@code .env} file.
 *
 * <p>Model ids containing {@code /}, {@code :} or {@code .} need the bracket form:
 * {@code keycycle.providers.openrouter.models[meta-llama/llama-3.3-70b-instruct:free].rpm=20}.
 */
@ConfigurationProperties(prefix = "keycycle")
public class KeycycleProperties {

    /** Whether to configure Keycycle at all. */
    private boolean enabled = true;

    /**
     * A keycycle.yaml to read when no providers, tiers, selection or database are set here; default
     * KEYCYCLE_CONFIG, else ./keycycle.yaml when it exists.
     */
    private Path configFile;

    /** A .env file with keys (NUM_<P>, <P>_API_KEY_<i>); default ./.env when it exists. */
    private Path envFile;

    /** Per-provider settings, by lower-case provider name (groq, cerebras, gemini, openrouter or your own). */
    private Map<String, Provider> providers = new LinkedHashMap<>();

    /**
     * Tiers: ordered provider/model candidates, tried in turn when one is exhausted. Each tier also
     * becomes a ChatModel bean qualified by its name, e.g. keycycle.tiers.fast=cerebras/gpt-oss-120b,groq/openai/gpt-oss-20b.
     */
    private Map<String, List<String>> tiers = new LinkedHashMap<>();

    /** How a key is picked among those with room: headroom (default), round-robin or first-fit. */
    private Selection selection;

    private final Database database = new Database();

    private final Cluster cluster = new Cluster();

    private final Calls calls = new Calls();

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public Path getConfigFile() { return configFile; }
    public void setConfigFile(Path configFile) { this.configFile = configFile; }
    public Path getEnvFile() { return envFile; }
    public void setEnvFile(Path envFile) { this.envFile = envFile; }
    public Map<String, Provider> getProviders() { return providers; }
    public void setProviders(Map<String, Provider> providers) { this.providers = providers; }
    public Map<String, List<String>> getTiers() { return tiers; }
    public void setTiers(Map<String, List<String>> tiers) { this.tiers = tiers; }
    public Selection getSelection() { return selection; }
    public void setSelection(Selection selection) { this.selection = selection; }
    public Database getDatabase() { return database; }
    public Cluster getCluster() { return cluster; }
    public Calls getCalls() { return calls; }

    /** True when providers, tiers, selection or a database were set here, so the file is not read ({@code none} does not count). */
    boolean definesConfiguration() {
        return !providers.isEmpty() || !tiers.isEmpty() || selection != null
                || (database.getUrl() != null && !ConfigDocument.isNone(database.getUrl()));
    }

    /** One provider, as under providers.<p> in keycycle.yaml. */
    public static class Provider {

        /** OpenAI-compatible endpoint (same as <P>_BASE_URL), e.g. http://127.0.0.1:9001/openai/v1. */
        private String baseUrl;

        /** Model used when a call names only the provider. */
        private String defaultModel;

        /** Counters per model (per-model, the default) or one account-wide budget (global). */
        private String strategy;

        /** When daily windows reset: sliding, or midnight <zone> (e.g. "midnight UTC"). */
        private String dailyReset;

        /** Accept models the built-in tables do not list (with conservative default limits). */
        private Boolean allowUnknownModels;

        /** Limits per model id; "*" is the provider default. */
        private Map<String, Limits> models = new LinkedHashMap<>();

        /** Per-key settings by 1-based index or fingerprint (never the secret). */
        private Map<String, Key> keys = new LinkedHashMap<>();

        public String getBaseUrl() { return baseUrl; }
        public void setBaseUrl(String baseUrl) { this.baseUrl = baseUrl; }
        public String getDefaultModel() { return defaultModel; }
        public void setDefaultModel(String defaultModel) { this.defaultModel = defaultModel; }
        public String getStrategy() { return strategy; }
        public void setStrategy(String strategy) { this.strategy = strategy; }
        public String getDailyReset() { return dailyReset; }
        public void setDailyReset(String dailyReset) { this.dailyReset = dailyReset; }
        public Boolean getAllowUnknownModels() { return allowUnknownModels; }
        public void setAllowUnknownModels(Boolean allowUnknownModels) { this.allowUnknownModels = allowUnknownModels; }
        public Map<String, Limits> getModels() { return models; }
        public void setModels(Map<String, Limits> models) { this.models = models; }
        public Map<String, Key> getKeys() { return keys; }
        public void setKeys(Map<String, Key> keys) { this.keys = keys; }
    }

    /** Settings of one key. */
    public static class Key {

        /** Organisation/project/account the key belongs to; keys of one scope share its limits. */
        private String scope;

        /** Limit overrides for this key, any model. */
        private Limits limits;

        public String getScope() { return scope; }
        public void setScope(String scope) { this.scope = scope; }
        public Limits getLimits() { return limits; }
        public void setLimits(Limits limits) { this.limits = limits; }
    }

    /**
     * Request and token limits. Whole numbers ("12000", "12_000", "250K", "1M") or "unlimited"; unset
     * metrics fall back to the next rule (file, built-in table, provider default).
     */
    public static class Limits {

        /** Requests per minute. */
        private String rpm;
        /** Requests per hour. */
        private String rph;
        /** Requests per day. */
        private String rpd;
        /** Tokens per minute. */
        private String tpm;
        /** Tokens per hour. */
        private String tph;
        /** Tokens per day. */
        private String tpd;

        public String getRpm() { return rpm; }
        public void setRpm(String rpm) { this.rpm = rpm; }
        public String getRph() { return rph; }
        public void setRph(String rph) { this.rph = rph; }
        public String getRpd() { return rpd; }
        public void setRpd(String rpd) { this.rpd = rpd; }
        public String getTpm() { return tpm; }
        public void setTpm(String tpm) { this.tpm = tpm; }
        public String getTph() { return tph; }
        public void setTph(String tph) { this.tph = tph; }
        public String getTpd() { return tpd; }
        public void setTpd(String tpd) { this.tpd = tpd; }
    }

    /** Where usage and key state are kept. */
    public static class Database {

        /**
         * JDBC URL (jdbc:sqlite:..., jdbc:mysql://...) or mysql+pymysql://...; "none" keeps nothing.
         * KEYCYCLE_DB_URL / TIDB_DB_URL win over it; default jdbc:sqlite:./keycycle.db.
         */
        private String url;

        public String getUrl() { return url; }
        public void setUrl(String url) { this.url = url; }
    }

    /**
     * One pool shared with other processes through Redis (cluster: in keycycle.yaml). Needs the
     * io.keycycle:keycycle-redis dependency. These settings apply on top of keycycle.yaml's cluster:
     * section when the configuration comes from the file.
     */
    public static class Cluster {

        /**
         * redis://[:password@]host[:port][/database] or rediss://; blank: the pool is this process's
         * alone. KEYCYCLE_REDIS_URL wins over it.
         */
        private String redisUrl;

        /** This process's name in the fleet; default host name + pid. */
        private String instanceId;

        /** Prefix of every Redis key; default keycycle. Fleets with different prefixes do not see each other. */
        private String keyPrefix;

        /** How often this process says it is alive; default 1s. */
        private Duration heartbeat;

        /** A Redis call slower than this is Redis trouble (the process admits locally with its share); default 1s. */
        private Duration commandTimeout;

        /** A process silent for this long is dead (its reservations and share go back); default 10s, at least two heartbeats. */
        private Duration instanceTtl;

        /** Most requests one block of capacity holds (calls in quick succession share a Redis call); 1 turns blocks off; default 64. */
        private Integer blockSize;

        /** How long a block admits calls before what it did not use goes back; default 100ms, between 10ms and 1s. */
        private Duration blockTime;

        public Integer getBlockSize() { return blockSize; }
        public void setBlockSize(Integer blockSize) { this.blockSize = blockSize; }
        public Duration getBlockTime() { return blockTime; }
        public void setBlockTime(Duration blockTime) { this.blockTime = blockTime; }
        public String getRedisUrl() { return redisUrl; }
        public void setRedisUrl(String redisUrl) { this.redisUrl = redisUrl; }
        public Duration getHeartbeat() { return heartbeat; }
        public void setHeartbeat(Duration heartbeat) { this.heartbeat = heartbeat; }
        public Duration getCommandTimeout() { return commandTimeout; }
        public void setCommandTimeout(Duration commandTimeout) { this.commandTimeout = commandTimeout; }
        public Duration getInstanceTtl() { return instanceTtl; }
        public void setInstanceTtl(Duration instanceTtl) { this.instanceTtl = instanceTtl; }
        public String getInstanceId() { return instanceId; }
        public void setInstanceId(String instanceId) { this.instanceId = instanceId; }
        public String getKeyPrefix() { return keyPrefix; }
        public void setKeyPrefix(String keyPrefix) { this.keyPrefix = keyPrefix; }

        boolean isSet() {
            return redisUrl != null || instanceId != null || keyPrefix != null || heartbeat != null || commandTimeout != null || instanceTtl != null
                    || blockSize != null || blockTime != null;
        }
    }

    /**
     * How the chat models' calls behave (the Python library's get_model arguments). A property not
     * set (null) takes the {@code calls:} section of the YAML file when one is read, else the
     * engine's default.
     */
    public static class Calls {

        /** Completion tokens reserved when a request sets no max tokens (the prompt is estimated); default calls.estimated-tokens of the file, else 1000. */
        private Long estimatedTokens;

        /** Wait for a key (up to the timeout) instead of falling over to the next candidate at once. */
        private boolean waitForKey = false;

        /** Deadline of a whole call: waits, rotations and fallbacks included; default calls.timeout of the file, else 120s. */
        private Duration timeout;

        /** Rotations to another key after the first attempt, per candidate provider/model; default calls.max-retries of the file, else 5. */
        private Integer maxRetries;

        /** Timeout of one HTTP request to a provider; default calls.request-timeout of the file, else 120s. */
        private Duration requestTimeout;

        public Long getEstimatedTokens() { return estimatedTokens; }
        public void setEstimatedTokens(Long estimatedTokens) { this.estimatedTokens = estimatedTokens; }
        public boolean isWaitForKey() { return waitForKey; }
        public void setWaitForKey(boolean waitForKey) { this.waitForKey = waitForKey; }
        public Duration getTimeout() { return timeout; }
        public void setTimeout(Duration timeout) { this.timeout = timeout; }
        public Integer getMaxRetries() { return maxRetries; }
        public void setMaxRetries(Integer maxRetries) { this.maxRetries = maxRetries; }
        public Duration getRequestTimeout() { return requestTimeout; }
        public void setRequestTimeout(Duration requestTimeout) { this.requestTimeout = requestTimeout; }
    }
}
