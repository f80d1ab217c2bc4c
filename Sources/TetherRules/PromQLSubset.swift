/// tether's own PromQL subset (DESIGN §5): parsed and evaluated by tether over its series store.
///
/// Written by hand rather than taken from a library: no maintained Swift package parses PromQL,
/// and the subset is part of tether's contract (anything outside it is rejected at load time).
public enum PromQLSubset {}
