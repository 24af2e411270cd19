# PyTorch "Learn the Basics": a custom Dataset and a DataLoader (on generated data).
import torch
from torch.utils.data import DataLoader, Dataset


class SquaresDataset(Dataset):
    def __init__(self, n):
        self.x = torch.arange(n, dtype=torch.float32).unsqueeze(1)
        self.y = self.x.squeeze(1) ** 2

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]


torch.manual_seed(0)
ds = SquaresDataset(10)
loader = DataLoader(ds, batch_size=4, shuffle=True)
for epoch in range(2):
    for xb, yb in loader:
        print(epoch, xb.squeeze(1).tolist(), yb.tolist())
print(len(loader), len(loader.dataset))
train, test = torch.utils.data.random_split(ds, [7, 3], generator=torch.Generator().manual_seed(42))
print(sorted(train.indices), sorted(test.indices))
