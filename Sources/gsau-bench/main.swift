import GSAU
print(BLASInfo.summary)
