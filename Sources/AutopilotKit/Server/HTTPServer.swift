import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP request as a handler sees it: the whole body, already bounded in size.
public struct HTTPRequest: Sendable {
    public var method: String
    public var path: String
    public var query: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    public static func text(_ status: Int, _ text: String) -> HTTPResponse { HTTPResponse(status: status, body: Array((text + "\n").utf8)) }
    public static func json(_ status: Int, _ value: JSONValue) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: value.serialized())
    }
}

/// A small HTTP/1.1 server on SwiftNIO (the stack async-http-client already brings): bodies are bounded,
/// idle or trickling clients are cut off, handlers run off the event loop one at a time, and `shutdown()`
/// stops accepting, lets requests in flight finish, then returns.
public final class HTTPServer: @unchecked Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    public let host: String
    public let requestedPort: Int
    public var maxBodySize = 1 << 20
    /// A client that sends nothing for this long is disconnected.
    public var idleTimeout: TimeAmount = .seconds(10)
    /// A request must arrive whole within this long of its first byte (or of the previous answer on a
    /// kept-alive connection): a slowloris trickling a byte at a time is cut off too.
    public var requestTimeout: TimeAmount = .seconds(30)
    private let handler: Handler
    private let log: @Sendable (String) -> Void
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    /// Handlers run here, in order: the ledger is one SQLite file.
    private let work = DispatchQueue(label: "autopilot.http.handlers")
    private let inFlight = NIOLockedValueBox(0)
    private var channel: Channel?

    public init(host: String, port: Int, log: @escaping @Sendable (String) -> Void, handler: @escaping Handler) {
        self.host = host
        requestedPort = port
        self.log = log
        self.handler = handler
    }

    /// Binds and starts serving; returns the bound port.
    public func start() throws -> Int {
        let maxBody = maxBodySize
        let idle = idleTimeout
        let deadline = requestTimeout
        let server = self
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(server: server, maxBodySize: maxBody, requestTimeout: deadline))
                }
            }
        let channel = try bootstrap.bind(host: host, port: requestedPort).wait()
        self.channel = channel
        return channel.localAddress?.port ?? requestedPort
    }

    /// Blocks until the server is shut down.
    public func wait() { try? channel?.closeFuture.wait() }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully (requests in flight finish).
    public func serveUntilTerminated() {
        let stop = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stop.signal() }
            source.resume()
            sources.append(source)
        }
        stop.wait()
        log("stopping: finishing requests in flight")
        shutdown()
        sources.forEach { $0.cancel() }
    }

    /// Stops accepting connections, waits (up to `grace`) for requests in flight, then stops.
    public func shutdown(grace: TimeInterval = 10) {
        // A client whose connection waits in the accept queue, or whose request head sits in a socket
        // buffer, counts only once the event loop has accepted it and read the head; closing the listener
        // first would reset it. The loop handles ready sockets before its queued tasks, so two round trips
        // through it (the first may land in an iteration already past its I/O) settle both, before the
        // close and again after it.
        let settle = { for _ in 0..<2 { try? self.group.next().submit {}.wait() } }
        settle()
        _ = try? channel?.close().wait()
        settle()
        let deadline = Date().addingTimeInterval(grace)
        while inFlight.withLockedValue({ $0 }) > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        try? group.syncShutdownGracefully()
    }

    /// Runs the handler off the event loop.
    fileprivate func handle(_ request: HTTPRequest, done: @escaping @Sendable (HTTPResponse) -> Void) {
        work.async { [handler] in done(handler(request)) }
    }

    /// A request counts as in flight from its head until its answer is written (or its connection drops),
    /// so shutdown waits for one whose body is still arriving.
    fileprivate func began() { inFlight.withLockedValue { $0 += 1 } }
    fileprivate func finished() { inFlight.withLockedValue { $0 -= 1 } }

    fileprivate func note(_ line: String) { log(line) }
}

/// Collects one request (refusing bodies over the limit), hands it to the server, writes the answer.
private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: HTTPServer
    private let maxBodySize: Int
    private let requestTimeout: TimeAmount
    private var deadline: Scheduled<Void>?
    /// This connection's current request is counted in the server's in-flight requests.
    private var counted = false
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var refused = false
    /// Body bytes read and thrown away after a refusal.
    private var drained = 0
    /// After a 413 the rest of the body is read and discarded (up to this much), so the client gets to
    /// read the answer: closing with its bytes unread would reset the connection under it.
    private static let maxDrain = 64 << 20
    /// A request is being handled: the idle timer must not cut the connection under it.
    private var busy = false

    init(server: HTTPServer, maxBodySize: Int, requestTimeout: TimeAmount) {
        self.server = server
        self.maxBodySize = maxBodySize
        self.requestTimeout = requestTimeout
    }

    func channelActive(context: ChannelHandlerContext) {
        armDeadline(context)
        context.fireChannelActive()
    }

    /// A request the parser refused has been answered 400 by NIO's error handler, which leaves closing
    /// the connection to the rest of the pipeline: without this it stayed open until the idle timeout.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        server.note("closing a connection after a malformed request (\(error))")
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        finish()
        context.fireChannelInactive()
    }

    /// Closes the connection unless a whole request has arrived within `requestTimeout`.
    private func armDeadline(_ context: ChannelHandlerContext) {
        deadline?.cancel()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: requestTimeout) {
            let (handler, context) = bound.value
            guard !handler.busy else { return }
            handler.server.note("closing a connection whose request did not arrive whole in time (slow client)")
            context.close(promise: nil)
        }
    }

    private func finish() {
        if counted {
            counted = false
            server.finished()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = []
            refused = false
            drained = 0
            if !counted {
                counted = true
                server.began()
            }
            if let length = requestHead.headers.first(name: "content-length").flatMap(Int.init), length > maxBodySize {
                refuse(context, 413, "body of \(length) bytes is over the \(maxBodySize)-byte limit")
            }
        case .body(var buffer):
            if refused {
                drained += buffer.readableBytes
                if drained > Self.maxDrain { context.close(promise: nil) }
                return
            }
            if body.count + buffer.readableBytes > maxBodySize {
                refuse(context, 413, "body over the \(maxBodySize)-byte limit")
                return
            }
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            if refused {
                context.close(promise: nil)
                return
            }
            guard let head else { return }
            let parts = head.uri.split(separator: "?", maxSplits: 1)
            let request = HTTPRequest(method: head.method.rawValue, path: String(parts.first ?? "/"),
                                      query: parts.count > 1 ? String(parts[1]) : "",
                                      headers: head.headers.map { ($0.name, $0.value) }, body: body)
            let keepAlive = head.isKeepAlive
            let version = head.version
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let loop = context.eventLoop
            let server = self.server
            busy = true
            deadline?.cancel()
            server.handle(request) { response in
                loop.execute {
                    let (handler, context) = bound.value
                    handler.busy = false
                    handler.write(response, version: version, keepAlive: keepAlive, context: context).whenComplete { _ in
                        let (handler, context) = bound.value
                        handler.finish()
                        if keepAlive { handler.armDeadline(context) }
                    }
                }
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent, !busy {
            server.note("closing a connection idle for too long (slow or stalled client)")
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func refuse(_ context: ChannelHandlerContext, _ status: Int, _ reason: String) {
        refused = true
        server.note("refused \(head?.method.rawValue ?? "?") \(head?.uri ?? "?"): \(reason)")
        // The connection closes once the rest of the request has been read (`.end`), not when the answer
        // is written.
        write(.text(status, reason), version: head?.version ?? .http1_1, keepAlive: false, closing: false, context: context)
            .whenComplete { _ in self.finish() }
    }

    @discardableResult
    private func write(_ response: HTTPResponse, version: HTTPVersion, keepAlive: Bool, closing: Bool? = nil,
                       context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if closing ?? !keepAlive { done.whenComplete { _ in context.close(promise: nil) } }
        return done
    }
}
