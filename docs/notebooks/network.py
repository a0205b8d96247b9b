# %% [markdown]
# # Training a two-layer network
#
# This notebook is being written.

# %%
print("placeholder")
