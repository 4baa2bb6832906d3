/// A usage mistake found while running (exit status 64).
public struct ValidationFailure: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
