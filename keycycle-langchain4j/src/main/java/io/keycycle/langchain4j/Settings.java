package io.keycycle.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import io.keycycle.CallSpec;
import io.keycycle.Keycycle;

import java.time.Duration;
import java.util.List;

/** The frozen options of one rotating model. {@code defaultParameters} may be null. */
record Settings(Keycycle keycycle, String target, CallSpec spec, Duration requestTimeout,
                ChatRequestParameters defaultParameters, List<ChatModelListener> listeners) {
}
