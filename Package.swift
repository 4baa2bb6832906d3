// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Autopilot",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "AutopilotKit", targets: ["AutopilotKit"]),
        .executable(name: "collect-cluster", targets: ["collect-cluster"]),
        .executable(name: "collect-metrics", targets: ["collect-metrics"]),
        .executable(name: "detect-waste", targets: ["detect-waste"]),
        .executable(name: "score-risk", targets: ["score-risk"]),
        .executable(name: "build-evidence", targets: ["build-evidence"]),
        .executable(name: "ledger", targets: ["ledger"]),
        .executable(name: "render-report", targets: ["render-report"]),
        .executable(name: "emit-pr", targets: ["emit-pr"]),
        .executable(name: "notify-slack", targets: ["notify-slack"]),
        .executable(name: "slack-approvals", targets: ["slack-approvals"]),
        .executable(name: "synth-cluster", targets: ["synth-cluster"]),
        .executable(name: "receive-alerts", targets: ["receive-alerts"]),
        .executable(name: "detect-incidents", targets: ["detect-incidents"]),
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
        .target(
            name: "AutopilotKit",
            dependencies: [
                "CJansson", "CYAML", "CSQLite",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            // The price CSVs are compiled in through the generated EmbeddedPrices.swift.
            exclude: ["Pricing/prices-ec2.csv", "Pricing/prices-ebs.csv", "Pricing/PRICES.md", "Pricing/generate_embedded.py"]),
        .executableTarget(
            name: "collect-cluster",
            dependencies: [
                "AutopilotKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "collect-metrics",
            dependencies: [
                "AutopilotKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "detect-waste",
            dependencies: [
                "AutopilotKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "score-risk",
            dependencies: [
                "AutopilotKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "build-evidence",
            dependencies: [
                "AutopilotKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "ledger",
            dependencies: [
                "AutopilotKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "render-report",
            dependencies: [
                "AutopilotKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "emit-pr",
            dependencies: [
                "AutopilotKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "notify-slack",
            dependencies: [
                "AutopilotKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "slack-approvals",
            dependencies: [
                "AutopilotKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "synth-cluster",
            dependencies: [
                "AutopilotKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "receive-alerts",
            dependencies: [
                "AutopilotKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "detect-incidents",
            dependencies: [
                "AutopilotKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // libFuzzer's driver for AutopilotKit's FuzzTargets (`make fuzz`); built plainly, it replays files.
        .executableTarget(
            name: "fuzz-autopilot",
            dependencies: ["AutopilotKit"]),
        .testTarget(
            name: "AutopilotKitTests",
            dependencies: ["AutopilotKit"]),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["AutopilotKit"]),
    ]
)
