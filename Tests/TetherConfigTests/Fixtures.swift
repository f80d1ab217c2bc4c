import Foundation
import TetherConfig

/// The fixture files beside these tests, loaded with a fixed environment.
enum Fixtures {
    static let directory: String = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("the Fixtures folder is not in the test bundle")
        }
        return url.path
    }()

    static func text(_ name: String) -> String {
        do {
            return try String(contentsOfFile: "\(Self.directory)/\(name)", encoding: .utf8)
        } catch {
            fatalError("cannot read fixture \(name): \(error)")
        }
    }

    /// Loads a fixture with diagnostics named after the fixture alone (not its absolute path).
    static func load(
        _ name: String,
        environment: [String: String] = [:]
    ) throws(ConfigurationError) -> TetherConfiguration {
        try ConfigurationLoader.load(
            yaml: Self.text(name),
            file: name,
            environment: environment,
            baseDirectory: Self.directory
        )
    }

    /// The diagnostics of a configuration that must not load, one `file:line:col: message` each.
    static func diagnostics(
        yaml: String,
        file: String = "test.yml",
        environment: [String: String] = [:],
        baseDirectory: String? = nil
    ) -> [String] {
        do {
            let configuration = try ConfigurationLoader.load(
                yaml: yaml,
                file: file,
                environment: environment,
                baseDirectory: baseDirectory
            )
            return ["loaded with \(configuration.targets.count) targets"]
        } catch {
            return error.diagnostics.map(\.description)
        }
    }
}

/// A temporary directory, removed when the test is done with it.
final class TemporaryDirectory {
    let path: String

    init() {
        self.path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("tether-config-tests-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.path)
    }

    @discardableResult
    func write(_ name: String, _ content: String) -> String {
        let file = "\(self.path)/\(name)"
        _ = FileManager.default.createFile(atPath: file, contents: Data(content.utf8))
        return file
    }
}
