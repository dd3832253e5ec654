// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "ally",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ally", targets: ["ally"]),
        .library(name: "AllyCore", targets: ["AllyCore"]),
        .library(name: "AllyStore", targets: ["AllyStore"]),
        .library(name: "AllyCLI", targets: ["AllyCLI"]),
        .library(name: "AllyTesting", targets: ["AllyTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        // The pure core: Foundation only (DESIGN.md §2).
        .target(name: "AllyCore"),
        .target(
            name: "AllyStore",
            dependencies: ["AllyCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "AllyCLI",
            dependencies: [
                "AllyCore", "AllyStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "ally", dependencies: ["AllyCLI"]),
        .target(name: "AllyTesting", dependencies: ["AllyCore", "AllyStore", "AllyCLI"]),
        .executableTarget(
            name: "AllyBench",
            dependencies: ["AllyCore", "AllyStore", "AllyTesting"],
            path: "Tools/AllyBench"
        ),
        // AllyCore builds and tests with no other package (DESIGN.md §2), so its tests use only AllyCore.
        .testTarget(name: "AllyCoreTests", dependencies: ["AllyCore"]),
        .testTarget(name: "AllyStoreTests", dependencies: ["AllyStore", "AllyTesting"]),
        .testTarget(name: "AllyCLITests", dependencies: ["AllyCLI", "AllyTesting"]),
    ],
    swiftLanguageModes: [.v6]
)
