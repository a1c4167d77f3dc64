package io.keycycle.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * A floor below the Vert.x floor, for the race: the same relay written on Netty alone (the library
 * under Vert.x), with nothing of Keycycle and nothing of Vert.x in it. Each client connection gets
 * its own kept-alive upstream connection on the same event loop, opened at its first request (HTTP/1.1
 * without pipelining has one request in flight per connection, so no pool is needed); the client's
 * body is posted with an {@code Authorization} header, the whole answer is read and written back with
 * its status, content type and length. Java NIO, TCP_NODELAY, two event loops by default, like the
 * gateway and {@link BareProxy}. What it answers: how much of the Vert.x floor's CPU per request is
 * Vert.x, and so how much any JVM relay on this stack could gain by leaving it.
 *
 * <p>With {@code --pipe} it relays each answer as it arrives instead of reading it whole: the head
 * goes out as soon as the upstream's does (chunked), every piece of the body the upstream sends is
 * written to the client and flushed at the end of each read, and the upstream connection stops
 * reading while the client's is not writable (back-pressure). That is the streams' floor without
 * Vert.x: {@code streams.sh} runs it with {@code FLOOR_MAIN=io.keycycle.bench.NettyProxy}, to tell
 * what of a JVM relay's per-chunk latency is Vert.x and what is the JVM on the host.
 *
 * <p>Takes the race's gateway arguments ({@code --upstream URL}; {@code --event-loops N};
 * {@code --pipe}; others are ignored), prints {@code GATEWAY <url>} and serves until stdin closes; run
 * it in {@code race.sh} or {@code lab.sh} with {@code GATEWAY_MAIN=io.keycycle.bench.NettyProxy}.
 */
public final class NettyProxy {

    private static final LongAdder SERVED = new LongAdder();

    public static void main(String[] args) throws Exception {
        String upstream = null;
        int loops = 2;
        boolean pipe = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--upstream" -> upstream = args[++i];
                case "--event-loops" -> loops = Integer.parseInt(args[++i]);
                case "--pipe" -> pipe = true;
                case "--db", "--keys", "--memory-every", "--redis", "--journal", "--batch-size" -> i++;
                default -> { }
            }
        }
        if (upstream == null) throw new IllegalArgumentException("--upstream URL is required (the static upstream's /v1)");
        URI up = URI.create(upstream);
        InetSocketAddress target = new InetSocketAddress(up.getHost(), up.getPort());
        String path = up.getPath() + "/chat/completions";
        String host = up.getHost() + ":" + up.getPort();
        boolean piped = pipe;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, NioIoHandler.newFactory());
        try {
            ServerBootstrap server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                    new ClientSide(target, host, path, piped));
                        }
                    });
            Channel listening = server.bind("127.0.0.1", 0).sync().channel();
            int port = ((InetSocketAddress) listening.localAddress()).getPort();
            System.out.println("transport: Java NIO (bare Netty proxy, " + loops + " event loops, one upstream connection per client connection"
                    + (pipe ? ", answers piped as they arrive)" : ")"));
            System.out.println("GATEWAY http://127.0.0.1:" + port);
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until the script closes our stdin
            }
            System.out.printf(Locale.ROOT, "requests served: %d%n", SERVED.sum());
            listening.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
        System.exit(0);
    }

    /** One client connection: forwards each request on its own upstream connection, answers with what comes back. */
    private static final class ClientSide extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final InetSocketAddress target;
        private final String host;
        private final String path;
        private Channel upstream;
        private ChannelHandlerContext client;
        private boolean keepAlive;
        private final boolean pipe;

        ClientSide(InetSocketAddress target, String host, String path, boolean pipe) {
            this.target = target;
            this.host = host;
            this.path = path;
            this.pipe = pipe;
        }

        @Override protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            client = ctx;
            keepAlive = HttpUtil.isKeepAlive(req);
            ByteBuf body = req.content().retain();
            FullHttpRequest out = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, body);
            out.headers().set(HttpHeaderNames.HOST, host)
                    .set(HttpHeaderNames.AUTHORIZATION, "Bearer netty-proxy-fake-key")
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            if (upstream != null && upstream.isActive()) {
                upstream.writeAndFlush(out);
                return;
            }
            ChannelFuture connect = new Bootstrap().group(ctx.channel().eventLoop()).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override protected void initChannel(SocketChannel ch) {
                            if (pipe) ch.pipeline().addLast(new HttpClientCodec(), new PipedUpstreamSide(ClientSide.this));
                            else ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), new UpstreamSide(ClientSide.this));
                        }
                    })
                    .connect(target);
            upstream = connect.channel();
            connect.addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) f.channel().writeAndFlush(out);
                else {
                    out.release();
                    answer(HttpResponseStatus.BAD_GATEWAY,
                            ctx.alloc().buffer().writeBytes(f.cause().toString().getBytes(StandardCharsets.UTF_8)), "text/plain");
                }
            });
        }

        /** Writes an answer with {@code body}, which it takes over (released once written). */
        void answer(HttpResponseStatus status, ByteBuf body, String contentType) {
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
            if (contentType != null) resp.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
            SERVED.increment();
            end(resp);
        }

        /** Writes the answer's last message and flushes; the connection closes after it unless kept alive. */
        private void end(Object last) {
            if (keepAlive) client.writeAndFlush(last);
            else client.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
        }

        /** The upstream's response head, passed on at once; the body follows in {@link #piece}. */
        void head(HttpResponse resp) {
            DefaultHttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, resp.status());
            String type = resp.headers().get(HttpHeaderNames.CONTENT_TYPE);
            if (type != null) out.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
            HttpUtil.setTransferEncodingChunked(out, true);
            client.write(out);
        }

        /** A piece of the upstream's body ({@code content}, taken over); the last one ends the answer. */
        void piece(HttpContent content) {
            if (content instanceof LastHttpContent) {
                if (content.content().isReadable()) client.write(new DefaultHttpContent(content.content()));
                else content.release();
                SERVED.increment();
                end(LastHttpContent.EMPTY_LAST_CONTENT);
            } else {
                client.write(new DefaultHttpContent(content.content()));
            }
        }

        void flush() { client.flush(); }

        void closeClient() { if (client != null) client.close(); }

        @Override public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // back-pressure: the upstream reads only while the client's connection takes what is written
            if (upstream != null) upstream.config().setAutoRead(ctx.channel().isWritable());
            ctx.fireChannelWritabilityChanged();
        }

        @Override public void channelInactive(ChannelHandlerContext ctx) {
            if (upstream != null) upstream.close();
        }

        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The upstream connection of one client connection. */
    private static final class UpstreamSide extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final ClientSide client;

        UpstreamSide(ClientSide client) { this.client = client; }

        @Override protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse resp) {
            client.answer(resp.status(), resp.content().retain(), resp.headers().get(HttpHeaderNames.CONTENT_TYPE));
        }

        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The upstream connection of one client connection, with {@code --pipe}: each piece passed on as it comes. */
    private static final class PipedUpstreamSide extends SimpleChannelInboundHandler<HttpObject> {
        private final ClientSide client;

        private boolean inAnswer;

        PipedUpstreamSide(ClientSide client) { this.client = client; }

        @Override protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse resp) {
                inAnswer = true;
                client.head(resp);
            }
            if (msg instanceof HttpContent content) {
                if (content instanceof LastHttpContent) inAnswer = false;
                client.piece(content.retain());
            }
        }

        @Override public void channelInactive(ChannelHandlerContext ctx) {
            // the upstream went away in the middle of an answer: the client's answer cannot be
            // finished either, so its connection is closed rather than left waiting
            if (inAnswer) client.closeClient();
            ctx.fireChannelInactive();
        }

        @Override public void channelReadComplete(ChannelHandlerContext ctx) {
            client.flush(); // one flush per read from the upstream, however many pieces it held
            ctx.fireChannelReadComplete();
        }

        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private NettyProxy() { }
}
