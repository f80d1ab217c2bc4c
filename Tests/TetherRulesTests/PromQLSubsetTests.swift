import Testing
import TetherRules

@Test func subsetModuleBuilds() {
    _ = PromQLSubset.self
}
