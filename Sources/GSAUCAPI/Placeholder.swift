import GSAU
