# PyTorch "Learn the Basics": save and load model weights.
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
torch.save(model.state_dict(), "model_weights.pth")
model2 = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
print(model2.load_state_dict(torch.load("model_weights.pth", weights_only=True)))
model2.eval()
x = torch.randn(3, 4)
print(torch.equal(model(x), model2(x)))
torch.save(model, "model.pth")
try:
    torch.load("model.pth")
except Exception as e:
    print(type(e).__name__, str(e).splitlines()[0])
whole = torch.load("model.pth", weights_only=False)
print(whole)
print(torch.equal(whole(x), model(x)))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
model(x).sum().backward()
optimizer.step()
torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, "ckpt.pth")
ckpt = torch.load("ckpt.pth")
print(sorted(ckpt), ckpt["optimizer"]["param_groups"][0]["momentum"])
