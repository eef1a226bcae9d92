# Independent PyTorch reference of GSAU's alignment/uniformity variants SASRec(u) and GSAU, written
# from the method's description (docs/MODEL.md; not from the original repository), to tell a property of the method from an
# engine bug. It is a diagnostic, not part of the product: needs `pip install torch` (CPU is enough).
#   python bench/reference/gsau_torch.py data/beauty-mini.txt sasrec-u 0.05 8 [SEED]
#   python bench/reference/gsau_torch.py data/beauty-mini.txt gsau 0.1 8 [SEED]
# sasrec-u: L_SA + γ·L_SU (3 subsets), sequential only. gsau adds the LightGCN side on a user table
# (docs/MODEL.md §3.3, §3.4, §4.1): L_GA + γ·L_GU + L_SA + γ·L_SU. Results of the runs that diagnosed
# the collapse: bench/reference/*.log and docs/RESULTS.md. The epoch is the graph stream's length
# (docs/MODEL.md §6.1), as the original.
import sys, math, time, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1)
path, variant, gamma, epochs = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
assert variant in ("sasrec-u", "gsau"), "variant: sasrec-u or gsau"
graph = variant == "gsau"
seed = int(sys.argv[5]) if len(sys.argv) > 5 else 2020
L, H, B, LR = 50, 64, 512, 1e-3
torch.manual_seed(seed)

# ---- data (§1): one line per user, items oldest first; remap by first appearance, 0 = PAD; no k-core
umap, imap, seqs = {}, {}, []
for line in open(path):
    t = line.split()
    if not t: continue
    umap.setdefault(t[0], len(umap) + 1)
    seqs.append([imap.setdefault(i, len(imap) + 1) for i in t[1:]])
n_items = len(imap) + 1
seqs = [s for s in seqs if len(s) >= 3]

def example(s, k):  # input = items[max(0,k-50):k] left-aligned, right-padded; target = items[k]
    inp = s[max(0, k - L):k]
    return inp + [0] * (L - len(inp)), len(inp), s[k]

tr = [example(s, k) for s in seqs for k in range(1, len(s) - 2)]        # targets i_1..i_{n-3}
va = [example(s, len(s) - 2) for s in seqs]                               # target i_{n-2}
n_graph_rows = sum(len(s) - 2 for s in seqs)                              # graph train rows
steps_per_epoch = math.ceil(n_graph_rows / B)                             # epoch = #graph batches (§1.6)
tensor = lambda ex: (torch.tensor([e[0] for e in ex]), torch.tensor([e[1] for e in ex]), torch.tensor([e[2] for e in ex]))
tr_seq, tr_len, tr_tgt = tensor(tr)
va_seq, va_len, va_tgt = tensor(va)
print(f"{variant}: users {len(seqs)} items {n_items-1} train-examples {len(tr)} graph-rows {n_graph_rows} "
      f"steps/epoch {steps_per_epoch} seq-batches/pass {math.ceil(len(tr)/B)} gamma {gamma} seed {seed}", flush=True)

# ---- graph (§1.4): train rows (user, item) for items i_0..i_{n-3}; binary symmetric adjacency over
# [users; items] with PAD user 0 and PAD item 0 isolated, deg = rowcount + 1e-7, Â = D^-1/2 A D^-1/2
n_users = len(seqs) + 1
g_user = torch.tensor([u + 1 for u, s in enumerate(seqs) for _ in s[:-2]])
g_item = torch.tensor([i for s in seqs for i in s[:-2]])
edges = torch.unique(torch.stack([g_user, n_users + g_item]), dim=1)
edges = torch.cat([edges, edges.flip(0)], 1)
deg = torch.bincount(edges[0], minlength=n_users + n_items).float() + 1e-7
adj = torch.sparse_coo_tensor(edges, deg[edges[0]].rsqrt() * deg[edges[1]].rsqrt(),
                              (n_users + n_items,) * 2).coalesce()

# ---- model (§2.4)
class Layer(nn.Module):
    def __init__(s):
        super().__init__()
        s.q, s.k, s.v, s.o = (nn.Linear(H, H) for _ in range(4))
        s.ln1, s.ln2 = nn.LayerNorm(H, eps=1e-12), nn.LayerNorm(H, eps=1e-12)
        s.f1, s.f2 = nn.Linear(H, 256), nn.Linear(256, H)
        s.adrop, s.odrop, s.fdrop = nn.Dropout(0.5), nn.Dropout(0.5), nn.Dropout(0.5)
    def forward(s, x, mask):
        b = x.shape[0]
        sp = lambda t: t.view(b, L, 2, 32).transpose(1, 2)
        q, k, v = sp(s.q(x)), sp(s.k(x)), sp(s.v(x))
        a = s.adrop(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(32) + mask, -1))
        ctx = (a @ v).transpose(1, 2).reshape(b, L, H)
        x = s.ln1(s.odrop(s.o(ctx)) + x)
        f = s.f2(F.gelu(s.f1(x)))          # exact erf GELU
        return s.ln2(s.fdrop(f) + x)

class SASRecU(nn.Module):
    def __init__(s):
        super().__init__()
        if graph: s.user = nn.Embedding(n_users, H, padding_idx=0)
        s.item = nn.Embedding(n_items, H, padding_idx=0)
        s.pos = nn.Embedding(L, H)
        s.ln = nn.LayerNorm(H, eps=1e-12)
        s.drop = nn.Dropout(0.5)
        s.layers = nn.ModuleList([Layer(), Layer()])
        for m in s.modules():              # §2.2 final init: Xavier-normal, biases 0, LN 1/0, PAD row non-zero
            if isinstance(m, (nn.Embedding, nn.Linear)):
                nn.init.xavier_normal_(m.weight)
                if isinstance(m, nn.Linear): nn.init.zeros_(m.bias)
    def forward(s, seq, ln):
        x = s.drop(s.ln(s.item(seq) + s.pos.weight[None]))
        keep = (seq != 0)[:, None, None, :] & torch.tril(torch.ones(L, L, dtype=torch.bool))[None, None]
        mask = torch.where(keep, 0.0, -10000.0)
        for lay in s.layers: x = lay(x, mask)
        return x[torch.arange(seq.shape[0]), ln - 1]
    def graph_mean(s):                     # §2.3: mean of layers 0..2 of LightGCN over the full graph
        x0 = torch.cat([s.user.weight, s.item.weight])
        x1 = torch.sparse.mm(adj, x0); x2 = torch.sparse.mm(adj, x1)
        return ((x0 + x1 + x2) / 3).split([n_users, n_items])

align = lambda x, y: (x - y).pow(2).sum(1).mean()
unif = lambda x: torch.pdist(x).pow(2).mul(-2).exp().mean().log()
unif_pair = lambda x, y: (x - y).pow(2).sum(1).mul(-2).exp().mean().log()
def derangement(n):
    while True:
        p = torch.randperm(n)
        if not (p == torch.arange(n)).any(): return p

model = SASRecU()
opt = torch.optim.Adam(model.parameters(), lr=LR)

def seq_batches():                         # sequential loader, restarted with a fresh shuffle when exhausted
    while True:
        perm = torch.randperm(len(tr))
        for i in range(0, len(tr), B): yield perm[i:i + B]

@torch.no_grad()
def evaluate():
    model.eval(); r10 = n20 = 0.0
    for i in range(0, len(va), 512):
        h = model(va_seq[i:i+512], va_len[i:i+512])
        sc = h @ model.item.weight.T
        sc[:, 0] = -float("inf")
        tgt = va_tgt[i:i+512]
        rank = (sc > sc.gather(1, tgt[:, None])).sum(1) + 1   # 1-based rank of the target
        r10 += (rank <= 10).float().sum().item()
        n20 += torch.where(rank <= 20, 1 / torch.log2(rank.float() + 1), torch.zeros(())).sum().item()
    model.train(); return r10 / len(va), n20 / len(va)

print("epoch  align   SU(sum3)  unif(S)  unif(T)  unif(S,Tpi)  |h|     val_R@10  val_N@20  sec" +
      ("   GA      GU" if graph else ""))
for ep in range(epochs):
    t0 = time.time(); it = seq_batches(); acc = torch.zeros(8)
    gperm = torch.randperm(len(g_user)) if graph else None   # graph loader: one shuffled pass per epoch
    model.train()
    for step in range(steps_per_epoch):
        ga = gu = torch.zeros(())
        if graph:                          # §3.1, the graph batch is drawn first (§1.6)
            gb = gperm[step * B:(step + 1) * B]
            ug, ig = model.graph_mean()
            u_hat, i_hat = F.normalize(ug[g_user[gb]]), F.normalize(ig[g_item[gb]])
            ga, gu = align(u_hat, i_hat), unif(u_hat) + unif(i_hat)
        idx = next(it)
        h = model(tr_seq[idx], tr_len[idx])
        s_hat, t_hat = F.normalize(h), F.normalize(model.item(tr_tgt[idx]))
        la = align(s_hat, t_hat)
        us, ut, up = unif(s_hat), unif(t_hat), unif_pair(s_hat, t_hat[derangement(len(idx))])
        su = us + ut + up
        loss = ga + gamma * gu + la + gamma * su
        opt.zero_grad(); loss.backward(); opt.step()
        acc += torch.tensor([la.item(), su.item(), us.item(), ut.item(), up.item(), h.norm(dim=1).mean().item(),
                             ga.item(), gu.item()])
    acc /= steps_per_epoch
    r10, n20 = evaluate()
    print(f"{ep:5d}  {acc[0]:.4f}  {acc[1]:8.3f}  {acc[2]:7.3f}  {acc[3]:7.3f}  {acc[4]:9.3f}  {acc[5]:6.2f}  "
          f"{r10:.4f}    {n20:.4f}    {time.time()-t0:.1f}" + (f"  {acc[6]:.4f}  {acc[7]:7.3f}" if graph else ""),
          flush=True)
