/// A failure of the end-to-end harness itself (a peer that is missing, does not start, or hangs),
/// thrown so that the test fails with a message a developer can act on.
struct E2EError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
