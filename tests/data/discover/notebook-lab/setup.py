from setuptools import find_packages, setup

setup(
    name="research-lab",
    version="0.3.0",
    packages=find_packages(),
    install_requires=[
        "anthropic>=0.30",
        "numpy",
    ],
    extras_require={"vectors": ["qdrant-client>=1.9"]},
)
