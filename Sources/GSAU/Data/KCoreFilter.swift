/// Iterative k-core filtering, as RecBole's `_filter_by_inter_num` with
/// `user_inter_num_interval = [minUser, inf)` and `item_inter_num_interval = [minItem, inf)`:
/// in each round, users with fewer than `minUser` rows and items with fewer than `minItem` rows
/// (both counted over the rows still kept, duplicates included) are removed together; rounds
/// repeat until nothing changes.
///
/// - Returns: a keep-mask over the rows and the number of rounds that removed something.
func kCoreFilter(users: [Int32], items: [Int32], userCount: Int, itemCount: Int,
                 minUser: Int, minItem: Int) -> (keep: [Bool], rounds: Int) {
    var keep = [Bool](repeating: true, count: users.count)
    if minUser <= 1 && minItem <= 1 { return (keep, 0) }
    var rounds = 0
    var userDegree = [Int](repeating: 0, count: userCount)
    var itemDegree = [Int](repeating: 0, count: itemCount)
    while true {
        for i in 0..<userCount { userDegree[i] = 0 }
        for i in 0..<itemCount { itemDegree[i] = 0 }
        for r in 0..<users.count where keep[r] {
            userDegree[Int(users[r])] += 1
            itemDegree[Int(items[r])] += 1
        }
        var removed = false
        for r in 0..<users.count where keep[r] {
            if userDegree[Int(users[r])] < minUser || itemDegree[Int(items[r])] < minItem {
                keep[r] = false
                removed = true
            }
        }
        if !removed { return (keep, rounds) }
        rounds += 1
    }
}
