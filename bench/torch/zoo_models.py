"""The model zoo as PyTorch modules: a copy of the specification (../shared/spec/torch_models.py,
unchanged apart from this docstring), so that the training benchmark (train.py) runs from the
repository alone. Keep it identical to the specification."""
import torch, torch.nn as nn, torch.nn.functional as F

def lenet5(nc=10):  # input 1x28x28
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, nc))

def alexnet(nc=10, in_ch=3):  # input 3x32x32, paper-style LRN after conv1/conv2
    return nn.Sequential(
        nn.Conv2d(in_ch, 64, 3, stride=2, padding=1), nn.ReLU(), nn.LocalResponseNorm(5, 1e-4, 0.75, 2.0), nn.MaxPool2d(2),
        nn.Conv2d(64, 192, 3, padding=1), nn.ReLU(), nn.LocalResponseNorm(5, 1e-4, 0.75, 2.0), nn.MaxPool2d(2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Dropout(0.5), nn.Linear(256 * 2 * 2, 4096), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, nc))

def conv_bn(i, o, k, s=1, p=0, g=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, p, groups=g, bias=False), nn.BatchNorm2d(o), nn.ReLU())

def mobilenetv1(nc=10, in_ch=3, alpha=1.0):  # CIFAR: stem stride 1
    c = lambda n: int(n * alpha)
    cfg = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    layers = [conv_bn(in_ch, c(32), 3, 1, 1)]; i = c(32)
    for o, s in cfg:
        layers += [conv_bn(i, i, 3, s, 1, g=i), conv_bn(i, c(o), 1)]; i = c(o)
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(i, nc))

class Inception(nn.Module):
    def __init__(s, i, c1, c3r, c3, c5r, c5, pp):
        super().__init__()
        s.b1 = conv_bn(i, c1, 1)
        s.b2 = nn.Sequential(conv_bn(i, c3r, 1), conv_bn(c3r, c3, 3, p=1))
        s.b3 = nn.Sequential(conv_bn(i, c5r, 1), conv_bn(c5r, c5, 5, p=2))
        s.b4 = nn.Sequential(nn.MaxPool2d(3, 1, 1), conv_bn(i, pp, 1))
    def forward(s, x): return torch.cat([s.b1(x), s.b2(x), s.b3(x), s.b4(x)], 1)

class Aux(nn.Module):
    def __init__(s, i, nc):
        super().__init__()
        s.pool = nn.AdaptiveAvgPool2d(4); s.conv = conv_bn(i, 128, 1)
        s.fc1 = nn.Linear(2048, 1024); s.drop = nn.Dropout(0.7); s.fc2 = nn.Linear(1024, nc)
    def forward(s, x): return s.fc2(s.drop(F.relu(s.fc1(torch.flatten(s.conv(s.pool(x)), 1)))))

class GoogLeNet(nn.Module):  # CIFAR: stem conv3x3 64 + BN, maxpool -> 16x16; aux after 4a and 4d
    def __init__(s, nc=10, in_ch=3, aux=True):
        super().__init__()
        s.stem = conv_bn(in_ch, 64, 3, p=1); s.pool1 = nn.MaxPool2d(3, 2, 1, ceil_mode=True)
        s.i3a = Inception(64, 64, 96, 128, 16, 32, 32); s.i3b = Inception(256, 128, 128, 192, 32, 96, 64)
        s.pool3 = nn.MaxPool2d(3, 2, 1, ceil_mode=True)
        s.i4a = Inception(480, 192, 96, 208, 16, 48, 64); s.i4b = Inception(512, 160, 112, 224, 24, 64, 64)
        s.i4c = Inception(512, 128, 128, 256, 24, 64, 64); s.i4d = Inception(512, 112, 144, 288, 32, 64, 64)
        s.i4e = Inception(528, 256, 160, 320, 32, 128, 128); s.pool4 = nn.MaxPool2d(3, 2, 1, ceil_mode=True)
        s.i5a = Inception(832, 256, 160, 320, 32, 128, 128); s.i5b = Inception(832, 384, 192, 384, 48, 128, 128)
        s.aux1 = Aux(512, nc) if aux else None; s.aux2 = Aux(528, nc) if aux else None
        s.drop = nn.Dropout(0.4); s.fc = nn.Linear(1024, nc)
    def forward(s, x):
        x = s.pool1(s.stem(x)); x = s.pool3(s.i3b(s.i3a(x))); x = s.i4a(x)
        a1 = s.aux1(x) if (s.training and s.aux1 is not None) else None
        x = s.i4d(s.i4c(s.i4b(x)))
        a2 = s.aux2(x) if (s.training and s.aux2 is not None) else None
        x = s.i5b(s.i5a(s.pool4(s.i4e(x))))
        out = s.fc(s.drop(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)))
        return (out, a1, a2) if a1 is not None else out

def vgg16(nc=10, in_ch=3):  # VGG-16 with BN, CIFAR head
    cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']
    layers = []; i = in_ch
    for v in cfg:
        if v == 'M': layers.append(nn.MaxPool2d(2))
        else: layers.append(nn.Sequential(nn.Conv2d(i, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU())); i = v
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, nc))

class Basic(nn.Module):
    def __init__(s, i, o, st):
        super().__init__()
        s.c1 = nn.Conv2d(i, o, 3, st, 1, bias=False); s.b1 = nn.BatchNorm2d(o)
        s.c2 = nn.Conv2d(o, o, 3, 1, 1, bias=False); s.b2 = nn.BatchNorm2d(o)
        s.sc = nn.Sequential() if st == 1 and i == o else nn.Sequential(nn.Conv2d(i, o, 1, st, bias=False), nn.BatchNorm2d(o))
    def forward(s, x): return F.relu(s.b2(s.c2(F.relu(s.b1(s.c1(x))))) + s.sc(x))

def resnet18(nc=10, in_ch=3):
    layers = [nn.Conv2d(in_ch, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]; i = 64
    for o, st in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        layers += [Basic(i, o, st), Basic(o, o, 1)]; i = o
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, nc))

ZOO = {'lenet5': (lenet5, (1, 28, 28)), 'alexnet': (alexnet, (3, 32, 32)), 'mobilenetv1': (mobilenetv1, (3, 32, 32)),
       'googlenet': (GoogLeNet, (3, 32, 32)), 'vgg16': (vgg16, (3, 32, 32)), 'resnet18': (resnet18, (3, 32, 32))}
