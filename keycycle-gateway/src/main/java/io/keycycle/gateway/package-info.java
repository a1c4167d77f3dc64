/**
 * The Keycycle gateway: an OpenAI-compatible HTTP server in front of a {@link io.keycycle.Keycycle}
 * so that any program (Python, Node, curl) gets the same key pool as a Java application.
 *
 * <p>{@link io.keycycle.gateway.KeycycleGateway} is the entry point; {@link io.keycycle.gateway.OperatorView}
 * and {@link io.keycycle.gateway.Timeline} are public too, for the command line's forecasts and
 * history. Behind the gateway, on Vert.x ({@code GatewayRoutes} assembles the router):
 * the chat endpoint (plain answers passed through, streams relayed event by event), the model
 * list, a self-contained dashboard fed by server-sent events, Prometheus metrics through a
 * {@link io.keycycle.core.KeycycleListener}, health and readiness probes, and a small admin API.
 * Chat completions, plain and streaming, stay on the event loop end to end
 * ({@link io.keycycle.Keycycle#callAsync} and Vert.x's HTTP client, the one upstream transport),
 * with back-pressure from a slow streaming client to its provider; the dashboard's and admin API's
 * blocking calls run on a worker pool, never on an event loop. A client that goes away cancels its
 * upstream call; the request stays counted (the provider has it) unless nothing had been sent.
 * Stalled or hostile providers meet timeouts and size caps, and load beyond the limits is a 503,
 * never a queue ({@code UpstreamLimits}).
 *
 * <p>What is not here: rotation, admission, classification and persistence all live in the engine
 * and the store; this package only translates HTTP to facade calls and exceptions to HTTP errors.
 */
package io.keycycle.gateway;
