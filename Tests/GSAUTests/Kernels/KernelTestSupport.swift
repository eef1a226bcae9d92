import XCTest
@testable import GSAU

/// A heap buffer with a stable pointer, for driving the pointer-based kernels from tests.
final class KernelBuffer<Element> {
    let count: Int
    let pointer: UnsafeMutablePointer<Element>

    init(repeating value: Element, count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(repeating: value, count: count)
    }

    init(_ values: [Element]) {
        count = values.count
        pointer = .allocate(capacity: max(1, count))
        if count > 0 { values.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: count) } }
    }

    deinit {
        pointer.deinitialize(count: count)
        pointer.deallocate()
    }

    var p: UnsafeMutablePointer<Element> { pointer }
    var c: UnsafePointer<Element> { UnsafePointer(pointer) }
    var array: [Element] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

extension KernelBuffer where Element: GSAUScalar {
    convenience init(zeros count: Int) { self.init(repeating: 0, count: count) }
    /// Converts Double test data into this buffer's scalar type.
    convenience init(converting values: [Double]) { self.init(values.map { Element($0) }) }
    var doubles: [Double] { array.map { Double($0) } }
}

enum KernelCheck {
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in 0..<min(a.count, b.count) { s += a[i] * b[i] }
        return s
    }

    static func maxAbsDiff(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        var m = 0.0
        for i in 0..<a.count { m = max(m, abs(a[i] - b[i])) }
        return m
    }

    /// Finite-difference check of `analytic` (the gradient of `f` at `x`) through
    /// `GradientCheck.numeric` + `assertClose`, printing the worst absolute error as
    /// "GRADCHECK <name> ..." so the test log records it.
    static func gradient(_ name: String, analytic: [Double], at x: [Double],
                         step: Double = 1e-6, atol: Double = 1e-7, rtol: Double = 1e-5,
                         limit: Int? = nil, allowZero: Bool = false,
                         file: StaticString = #filePath, line: UInt = #line,
                         _ f: ([Double]) -> Double) {
        XCTAssertEqual(analytic.count, x.count, "\(name): gradient size", file: file, line: line)
        let numeric = GradientCheck.numeric(x, step: step, limit: limit, f)
        GradientCheck.assertClose(analytic: analytic, numeric: numeric, atol: atol, rtol: rtol,
                                  allowZero: allowZero, name, file: file, line: line)
        var worst = 0.0, largest = 0.0
        for (i, g) in numeric { worst = max(worst, abs(analytic[i] - g)); largest = max(largest, abs(g)) }
        print("GRADCHECK \(name): checked \(numeric.count) coords, max |analytic - numeric| = \(worst), max |grad| = \(largest)")
    }
}
