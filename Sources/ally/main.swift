print("ally")
