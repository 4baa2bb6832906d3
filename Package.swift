// swift-tools-version:6.0
import PackageDescription

/// The tools, by the names users call them. Each is a thin executable over AutopilotTools; `autopilot`
/// holds them all and picks one by the name it was called with (see Sources/AutopilotTools/Tools.swift).
let toolNames = [
    "collect-cluster", "collect-metrics", "detect-waste", "detect-incidents", "score-risk", "build-evidence",
    "emit-pr", "ledger", "render-report", "render-site", "notify-slack", "slack-approvals", "receive-alerts", "synth-cluster",
    "autopilot-run", "autopilot-doctor",
]

let package = Package(
    name: "Autopilot",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "AutopilotKit", targets: ["AutopilotKit"]),
        .executable(name: "autopilot", targets: ["autopilot"]),
    ] + toolNames.map { .executable(name: $0, targets: [$0]) } + [
        .executable(name: "fuzz-autopilot", targets: ["fuzz-autopilot"]),
    ],
    dependencies: [
        // Command lines: --help, validation and exit codes for every tool.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // HTTP for Prometheus: URLSession on Linux cannot trust a private CA (--ca-file); NIO SSL can.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Its server side (NIOHTTP1), already built for async-http-client: the HTTP endpoints of
        // slack-approvals and receive-alerts, with no second HTTP stack (Hummingbird, built on this same
        // NIO, would add minutes of clean build for routing two or three paths).
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CJansson", pkgConfig: "jansson",
            providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(
            name: "CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        // PostgreSQL for a ledger shared by a fleet (`--db postgres://…`): Debian's libpq, the same shape as
        // SQLite above and no build time; postgres-nio would add minutes to every clean build and an async API.
        .systemLibrary(
            name: "CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        // gzip for billing exports (AWS writes FOCUS and CUR as .csv.gz); libz is linked already.
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "AutopilotKit",
            dependencies: [
                "CJansson", "CYAML", "CSQLite", "CLibPQ", "CZlib",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            // The price CSVs are compiled in through the generated EmbeddedPrices.swift.
            exclude: ["Pricing/prices-ec2.csv", "Pricing/prices-ebs.csv", "Pricing/prices-fargate.csv", "Pricing/PRICES.md", "Pricing/generate_embedded.py"]),
        // synth-cluster's generator (the bench's clusters and the tests' big ones): no tool but synth-cluster
        // needs it, so it is not in the core library.
        .target(name: "AutopilotSynth", dependencies: ["AutopilotKit"]),
        // The tools' commands, each the whole of what its executable runs; one place so that the `autopilot`
        // multi-call binary (what `make install` ships) and the per-tool executables (what tests and
        // `make demo` run) are the same code.
        .target(
            name: "AutopilotTools",
            dependencies: [
                "AutopilotKit", "AutopilotSynth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Older glibc/libstdc++ symbol versions for make dist's binary (see compat.c).
        .target(name: "CSystemCompat", linkerSettings: [.linkedLibrary("stdc++"), .linkedLibrary("m")]),
        .executableTarget(name: "autopilot", dependencies: ["AutopilotTools", "CSystemCompat"]),
    ] + toolNames.map { .executableTarget(name: $0, dependencies: ["AutopilotTools"]) } + [
        // libFuzzer's driver for AutopilotKit's FuzzTargets (`make fuzz`); built plainly, it replays files.
        .executableTarget(
            name: "fuzz-autopilot",
            dependencies: ["AutopilotKit"]),
        .testTarget(
            name: "AutopilotKitTests",
            dependencies: ["AutopilotKit"],
            // Cases read as files from the checkout (repositoryRoot), not bundled resources.
            exclude: ["Data"]),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["AutopilotKit"]),
    ]
)
