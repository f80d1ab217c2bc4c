import Testing

@testable import TetherNotify
