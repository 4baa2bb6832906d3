import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One blocking HTTP request from a test thread (the stand-ins' unauthenticated /_fake/ endpoints);
/// failures are NSErrors in `domain`.
func blockingRequest(_ method: String, _ address: String, domain: String) throws -> (status: Int, data: Data) {
    func failure(_ message: String) -> NSError { NSError(domain: domain, code: 1, userInfo: [NSLocalizedDescriptionKey: message]) }
    guard let url = URL(string: address) else { throw failure("bad URL \(address)") }
    var request = URLRequest(url: url)
    request.httpMethod = method
    request.timeoutInterval = 10
    let result = BlockingResult()
    let done = DispatchSemaphore(value: 0)
    let task = URLSession.shared.dataTask(with: request) { data, response, error in
        result.store(status: (response as? HTTPURLResponse)?.statusCode, data: data, error: error)
        done.signal()
    }
    task.resume()
    if done.wait(timeout: .now() + 15) == .timedOut {
        task.cancel()
        throw failure("\(method) \(url.path): no answer in 15 s")
    }
    let (status, data, error) = result.load()
    if let error { throw failure("\(method) \(url.path): \(error.localizedDescription)") }
    guard let status else { throw failure("\(method) \(url.path): no HTTP response") }
    return (status, data ?? Data())
}

/// What a URLSession completion handler hands back to the waiting test thread.
private final class BlockingResult: @unchecked Sendable {
    private let lock = NSLock()
    private var status: Int?
    private var data: Data?
    private var error: (any Error)?

    func store(status: Int?, data: Data?, error: (any Error)?) {
        lock.lock()
        defer { lock.unlock() }
        self.status = status
        self.data = data
        self.error = error
    }

    func load() -> (Int?, Data?, (any Error)?) {
        lock.lock()
        defer { lock.unlock() }
        return (status, data, error)
    }
}
