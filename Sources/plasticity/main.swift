import Plasticity
print("placeholder")
