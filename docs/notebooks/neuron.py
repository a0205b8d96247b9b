# %% [markdown]
# # Training the paper's neuron
#
# This notebook is being written.

# %%
print("placeholder")
