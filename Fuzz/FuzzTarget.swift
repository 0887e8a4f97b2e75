// The libFuzzer target of `make fuzz` (scripts/fuzz.sh builds it with `swiftc -sanitize=fuzzer`
// against the library compiled with the same flag). Any error that is not an InputError traps, so
// libFuzzer keeps the input as a crash reproducer.
import Foundation
import Plasticity

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let escaped = ParserFuzzing.exercise(Data(bytes: start, count: count))
    if !escaped.isEmpty { fatalError("not an InputError: " + escaped.joined(separator: "; ")) }
    return 0
}
