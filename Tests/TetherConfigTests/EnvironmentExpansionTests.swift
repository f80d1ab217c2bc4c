import Testing

@testable import TetherConfig

@Suite struct EnvironmentExpansionTests {
    static let environment = ["HOST": "chat.internal", "EMPTY": "", "TOKEN": "t$k{x}", "N": "3"]

    @Test(
        arguments: [
            ("plain", "plain"),
            ("wss://${HOST}/ws", "wss://chat.internal/ws"),
            ("${N}", "3"),
            ("[${EMPTY}]", "[]"),
            ("$$", "$"),
            ("$${HOST}", "${HOST}"),
            ("cost: $$5", "cost: $5"),
            ("PONG$", "PONG$"),
            ("^a$b", "^a$b"),
            ("${TOKEN}", "t$k{x}"),
            ("${HOST}${N}", "chat.internal3"),
        ]
    )
    func expands(text: String, expected: String) throws {
        let result = EnvironmentExpansion.expand(text, environment: Self.environment)
        #expect(try result.get() == expected)
    }

    @Test(
        arguments: [
            ("${MISSING}", [EnvironmentExpansion.Problem.unset(name: "MISSING")]),
            ("${A} and ${B}", [.unset(name: "A"), .unset(name: "B")]),
            ("${HOST", [.unterminated]),
            ("${}", [.invalidName("")]),
            ("${1X}", [.invalidName("1X")]),
            ("${A-B}", [.invalidName("A-B")]),
        ]
    )
    func reportsEveryProblem(text: String, problems: [EnvironmentExpansion.Problem]) {
        switch EnvironmentExpansion.expand(text, environment: Self.environment) {
        case .success(let value): Issue.record("expanded to '\(value)'")
        case .failure(let failure): #expect(failure.problems == problems)
        }
    }
}
