import XCTest
@testable import GSAU

final class RandomGeneratorTests: XCTestCase {
    private func draw(_ rng: inout RandomGenerator, _ n: Int) -> [UInt64] { (0..<n).map { _ in rng.next() } }

    func testDeterministicPerSeed() {
        var a = RandomGenerator(seed: 2020), b = RandomGenerator(seed: 2020), c = RandomGenerator(seed: 2021)
        let sa = draw(&a, 100)
        XCTAssertEqual(sa, draw(&b, 100))
        XCTAssertNotEqual(sa, draw(&c, 100))
        XCTAssertEqual(Set(sa).count, 100)
        // Value semantics: a copy replays the same stream.
        var copy = a
        XCTAssertEqual(draw(&a, 10), draw(&copy, 10))
        // Seed 0 is fine (SplitMix64 expansion never yields the all-zero state).
        var z = RandomGenerator(seed: 0)
        XCTAssertNotEqual(draw(&z, 4), [0, 0, 0, 0])
    }

    func testUniformNormalAndBoundedInts() {
        var rng = RandomGenerator(seed: 1)
        let n = 100_000
        var sum = 0.0, lo = 1.0, hi = 0.0
        for _ in 0..<n { let u = rng.nextUniform(); sum += u; lo = min(lo, u); hi = max(hi, u) }
        XCTAssertGreaterThanOrEqual(lo, 0); XCTAssertLessThan(hi, 1)
        XCTAssertEqual(sum / Double(n), 0.5, accuracy: 5 * (1.0 / 12 / Double(n)).squareRoot())
        var m1 = 0.0, m2 = 0.0
        for _ in 0..<n { let z = rng.nextNormal(); m1 += z; m2 += z * z }
        XCTAssertEqual(m1 / Double(n), 0, accuracy: 5 / Double(n).squareRoot())
        XCTAssertEqual(m2 / Double(n), 1, accuracy: 5 * (2 / Double(n)).squareRoot())
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[rng.nextInt(below: 7)] += 1 }
        for k in counts { XCTAssertEqual(Double(k), 10_000, accuracy: 5 * (10_000 * 6.0 / 7).squareRoot()) }
    }

    func testShuffleIsAPermutationAndDeterministic() {
        var a = RandomGenerator(seed: 5), b = RandomGenerator(seed: 5)
        var arr = (0..<100).map { Int32($0) }
        a.shuffle(&arr)
        XCTAssertEqual(arr.sorted(), (0..<100).map { Int32($0) })
        XCTAssertNotEqual(arr, (0..<100).map { Int32($0) })
        var buf = (0..<100).map { Int32($0) }
        buf.withUnsafeMutableBufferPointer { b.shuffle($0) }
        XCTAssertEqual(buf, arr)                              // buffer and array versions draw alike
        // Uniformity on 3 elements: all 6 orders, each ≈ 1/6.
        var freq: [[Int32]: Int] = [:]
        var r = RandomGenerator(seed: 6)
        for _ in 0..<60_000 { freq[r.permutation(3), default: 0] += 1 }
        XCTAssertEqual(freq.count, 6)
        for (_, k) in freq { XCTAssertEqual(Double(k), 10_000, accuracy: 500) }
    }

    func testDerangementHasNoFixedPoints() {
        var rng = RandomGenerator(seed: 7)
        XCTAssertNil(rng.randomDerangement(0))
        XCTAssertNil(rng.randomDerangement(1))
        XCTAssertEqual(rng.randomDerangement(2), [1, 0])
        for n in [3, 4, 10, 341, 512] {
            for _ in 0..<50 {
                let d = rng.randomDerangement(n)!
                XCTAssertEqual(d.sorted(), (0..<n).map { Int32($0) })
                for i in 0..<n { XCTAssertNotEqual(d[i], Int32(i)) }
            }
        }
        // n = 3 has exactly two derangements, (1,2,0) and (2,0,1); rejection makes them equally likely.
        var freq: [[Int32]: Int] = [:]
        for _ in 0..<20_000 { freq[rng.randomDerangement(3)!, default: 0] += 1 }
        XCTAssertEqual(Set(freq.keys), [[1, 2, 0], [2, 0, 1]])
        XCTAssertEqual(Double(freq[[1, 2, 0]] ?? 0), 10_000, accuracy: 5 * 70.8)
        // Deterministic per seed.
        var a = RandomGenerator(seed: 8), b = RandomGenerator(seed: 8)
        XCTAssertEqual(a.randomDerangement(50), b.randomDerangement(50))
    }

    func testSplitAndJumpGiveDeterministicIndependentStreams() {
        var parent1 = RandomGenerator(seed: 9), parent2 = RandomGenerator(seed: 9)
        var child1 = parent1.split(), child2 = parent2.split()
        let c1 = draw(&child1, 50)
        XCTAssertEqual(c1, draw(&child2, 50))
        let p1 = draw(&parent1, 50)
        XCTAssertEqual(p1, draw(&parent2, 50))
        XCTAssertTrue(Set(c1).isDisjoint(with: p1))
        var second = parent1.split()
        XCTAssertTrue(Set(draw(&second, 50)).isDisjoint(with: c1))

        let base = RandomGenerator(seed: 10)
        var j1 = base.jumped(), j2 = base.jumped(), plain = base
        let sj = draw(&j1, 50)
        XCTAssertEqual(sj, draw(&j2, 50))
        XCTAssertTrue(Set(sj).isDisjoint(with: draw(&plain, 50)))
        var jj = base.jumped().jumped()
        XCTAssertTrue(Set(draw(&jj, 50)).isDisjoint(with: sj))
    }
}
