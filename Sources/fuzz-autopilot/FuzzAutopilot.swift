import AutopilotKit
import Foundation

// Built two ways. By `make fuzz`, with -sanitize=fuzzer -DFUZZING -parse-as-library: libFuzzer's driver
// runs the target named by AUTOPILOT_FUZZ_TARGET. By `swift build`: a plain program that replays files
// through a target, to reproduce a crash the fuzzer found (`fuzz-autopilot TARGET FILE...`).

#if FUZZING
private let target: @Sendable ([UInt8]) -> Void = {
    let name = ProcessInfo.processInfo.environment["AUTOPILOT_FUZZ_TARGET"] ?? ""
    guard let run = FuzzTargets.named(name) else {
        FileHandle.standardError.write(Data("fuzz-autopilot: set AUTOPILOT_FUZZ_TARGET to one of \(FuzzTargets.all.map(\.name).joined(separator: ", "))\n".utf8))
        exit(64)
    }
    return run
}()

@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                       _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

// SwiftPM links an executable's entry point under this name; libFuzzer's driver takes it from there.
@_cdecl("fuzz_autopilot_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var values = argv
    return runDriver(&count, &values) { data, size in fuzzOne(data, size) }
}

// libFuzzer's own main (pulled in by -sanitize=fuzzer) calls this too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    target(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
#else
@main
struct FuzzAutopilot {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let run = FuzzTargets.named(name), arguments.count > 1 else {
            FileHandle.standardError.write(Data("usage: fuzz-autopilot TARGET FILE... (targets: \(FuzzTargets.all.map(\.name).joined(separator: ", ")))\n".utf8))
            exit(64)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("fuzz-autopilot: cannot read \(path)\n".utf8))
                exit(66)
            }
            run(Array(data))
        }
    }
}
#endif
